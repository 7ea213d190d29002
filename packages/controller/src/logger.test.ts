import { Writable } from "node:stream";
import { createLogger } from "./logger.js";

function lines(format: "json" | "gcp", write: (logger: ReturnType<typeof createLogger>) => void) {
  const out: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      out.push(JSON.parse(String(chunk)));
      done();
    },
  });
  write(createLogger({ level: "info", format }, stream));
  return out;
}

describe("createLogger", () => {
  it("writes level names and ISO timestamps, and honours the level", () => {
    const [line, ...rest] = lines("json", (logger) => {
      logger.warn({ ip: "1.2.3.4" }, "attach failed");
      logger.debug("not written at info");
    });
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: "warn", msg: "attach failed", ip: "1.2.3.4" });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
  });

  it("adds Cloud Logging's severity and message fields in the gcp format", () => {
    const out = lines("gcp", (logger) => {
      logger.warn("a");
      logger.error("b");
      logger.fatal("c");
    });
    expect(out.map((l) => [l.severity, l.message, l.level])).toEqual([
      ["WARNING", "a", "warn"],
      ["ERROR", "b", "error"],
      ["CRITICAL", "c", "fatal"],
    ]);
  });
});

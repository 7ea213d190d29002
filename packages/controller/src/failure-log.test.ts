import { Writable } from "node:stream";
import { pino } from "pino";
import { FailureLog } from "./failure-log.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level: "info" }, stream) };
}

describe("FailureLog", () => {
  it("logs a failure at once, then once per interval while it repeats, with the count suppressed", async () => {
    const { lines, logger } = capture();
    let now = 0;
    const log = new FailureLog(logger, 60_000, () => now);
    for (let i = 0; i < 10; i++) {
      log.warn("attach/1.2.3.4/Transient", { ip: "1.2.3.4", errorClass: "Transient" }, "attach failed");
      now += 5_000; // 10 failures over 50 s: one line
    }
    now = 61_000;
    log.warn("attach/1.2.3.4/Transient", { ip: "1.2.3.4" }, "attach failed");
    log.error("read/gcp/Permission", { operation: "describeAddresses" }, "cloud read failed");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.level, l.msg, l.repeated])).toEqual([
      [40, "attach failed", undefined],
      [40, "attach failed", 9],
      [50, "cloud read failed", undefined],
    ]);
  });
});

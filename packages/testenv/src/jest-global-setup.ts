import { randomBytes } from "node:crypto";

/** Gives the run an id, inherited by the workers, under which their shared control planes are recorded. */
export default function globalSetup(): void {
  process.env.IPAC_TESTENV_RUN ??= `run-${process.pid}-${randomBytes(4).toString("hex")}`;
}

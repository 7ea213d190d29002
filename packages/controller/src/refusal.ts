/**
 * A write the controller itself declined to send (not the cloud's answer): another allocation just claimed the
 * node, or no adapter for the allocation's cloud is configured. Never counted or reported as a cloud error.
 */
export class ControllerRefusal extends Error {
  constructor(
    readonly reason: "NodeClaimed" | "NoCloudAdapter",
    message: string,
  ) {
    super(message);
    this.name = "ControllerRefusal";
  }
}

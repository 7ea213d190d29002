import { ComputeFront } from "@ipac/cloud-sim";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Harness, type Launcher, gcpProcessEnv } from "../test/e2e-harness.js";

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const podman = (...args: string[]) =>
  run("podman", ["--storage-driver", process.env.IPAC_STORAGE_DRIVER ?? "vfs", ...args], { maxBuffer: 64 << 20 });
const IPS = ["34.121.0.1", "34.121.0.2"];

/** Every file under root/sub (symbolic links are not followed), relative to root. */
async function filesUnder(root: string, subs = ["."]): Promise<string[]> {
  const files: string[] = [];
  for (const sub of subs) {
    const entries = await readdir(join(root, sub), { recursive: true, withFileTypes: true });
    files.push(...entries.filter((e) => !e.isDirectory()).map((e) => relative(root, join(e.parentPath, e.name))));
  }
  return files;
}

// The image users are told to run (`make image`), started by podman as a Deployment would: non-root, read-only
// root filesystem, configured by the environment only; against the local control plane and the GCP simulator.
describe("the controller image", () => {
  const names: string[] = [];
  let image = "";
  let kubeconfigDir = "";
  // podman here: runc (crun cannot set up this sandbox's hybrid cgroups) and limits below the sandbox's own,
  // which a container may not raise.
  const launcher: Launcher = (env) => {
    const name = `ipac-${env.POD_NAME}`;
    names.push(name);
    const passed = Object.keys(env).filter((key) => key !== "KUBECONFIG");
    return {
      command: "podman",
      args: [
        ...["--storage-driver", process.env.IPAC_STORAGE_DRIVER ?? "vfs", "run", "--rm", "--name", name],
        ...["--runtime", "runc", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"],
        ...["--network", "host", "--read-only", "--cap-drop", "all", "--security-opt", "no-new-privileges"],
        ...["-v", `${kubeconfigDir}:/etc/ipac:ro`, "-e", "KUBECONFIG=/etc/ipac/kubeconfig"],
        ...passed.flatMap((key) => ["-e", key]),
        image,
      ],
    };
  };
  const h = new Harness(`img-${Date.now().toString(36)}`, launcher);
  const front = new ComputeFront(h.world, "proj");

  beforeAll(async () => {
    const built = await run("bash", [join(repo, "hack/build-image.sh")], { cwd: repo, maxBuffer: 16 << 20 });
    image = built.stdout.trim().split("\n").at(-1)!;
    await h.setUp();
    // The container's user (65532) reads a copy of the test's kubeconfig.
    kubeconfigDir = await mkdtemp(join(tmpdir(), "ipac-image-"));
    await chmod(kubeconfigDir, 0o755);
    await writeFile(join(kubeconfigDir, "kubeconfig"), await readFile(h.cp.kubeconfigPath), { mode: 0o644 });
  }, 600_000);

  afterAll(async () => {
    await h.deleteAllocation(`${h.prefix}-app`).catch(() => undefined);
    await front.close();
    await h.tearDown();
    for (const name of names) await podman("rm", "--force", "--ignore", name).catch(() => undefined);
    if (kubeconfigDir) await rm(kubeconfigDir, { recursive: true, force: true });
  });

  it("holds production code and production dependencies only", async () => {
    const { stdout } = await podman("image", "mount", image);
    const root = stdout.trim();
    try {
      const app = join(root, "app");
      const workspace = (await readdir(join(app, "node_modules/@ipac"))).sort();
      expect(workspace).toEqual(["api", "cloud", "cloud-aws", "cloud-azure", "cloud-gcp", "runtime"]);
      // The project's own code in the image: the controller's dist and the workspace packages it runs on.
      const ours = await filesUnder(app, ["dist"]);
      for (const pkg of workspace) {
        const dir = await realpath(join(app, "node_modules/@ipac", pkg));
        const own = (await filesUnder(dir)).filter((f) => !f.startsWith("node_modules/"));
        ours.push(...own.map((f) => `@ipac/${pkg}/${f}`));
      }
      expect(ours).toContain("dist/main.js");
      expect(ours.filter((f) => !/^(dist|@ipac\/[a-z-]+\/dist)\/|^@ipac\/[a-z-]+\/package\.json$/.test(f))).toEqual([]);
      expect(
        ours.filter((f) =>
          /\.test\.js$|e2e-harness|decide-scenarios|fake-clock|world\.js|memory-provider|simulator/.test(f),
        ),
      ).toEqual([]);
      const installed = await readdir(join(app, "node_modules/.pnpm"));
      const devOnly = installed.filter((p) => /^(jest|typescript|fast-check|@swc|eslint|prettier|selfsigned)@/.test(p));
      expect(devOnly).toEqual([]);
      const packageList = await readFile(join(root, "usr/share/doc/ip-address-controller/packages.txt"), "utf8");
      expect(packageList).toMatch(/^libc6 \S+$/m);
      expect(packageList).toMatch(/^@google-cloud\/compute \S+$/m);
    } finally {
      await podman("image", "unmount", image);
    }
  });

  it("runs as a non-root user and attaches the allocation's IPs on GCP", async () => {
    const { host, port } = await front.listen();
    const endpoint = `http://${host}:${port}`;
    await h.addNodes(["a", "b", "c"], "us-west1-a");
    h.reserve(IPS, "gcp", "us-west1");
    // A generous lease: this test is about the image, and a container's first start on a loaded machine is slow.
    const controller = await h.spawnController(
      `${h.prefix}-0`,
      {
        ...gcpProcessEnv(endpoint),
      },
      20,
    );
    await h.createAllocation(`${h.prefix}-app`, {
      reservedIPs: IPS,
      cloud: { provider: "gcp", region: "us-west1" },
    });
    await h.waitConverged(`${h.prefix}-app`, IPS, 120_000);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
    const user = await podman("inspect", "--format", "{{.Config.User}}", names[0]!);
    expect(user.stdout.trim()).toBe("65532:65532");
    controller.child.kill("SIGTERM");
    expect(await controller.exited).toBe(0);
  }, 300_000);
});

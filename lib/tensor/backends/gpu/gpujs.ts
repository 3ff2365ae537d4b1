import * as os from 'node:os';

/**
 * Our small typed door to gpu.js (its own typings do not hold under strict TypeScript): open a device in one of
 * its modes, compile a kernel for fixed constants and output length, run it on flat Float32Arrays.
 */

export const GPU_MODES = ['webgpu', 'headlessgl', 'webasm', 'cpu'] as const;
export type GpuMode = (typeof GPU_MODES)[number];

type KernelSource = (...args: Float32Array[]) => number;

interface GpuJsKernel {
  (...inputs: Float32Array[]): Float32Array | Promise<Float32Array>;
  destroy(removeCanvasReferences?: boolean): void;
}

interface GpuJs {
  readonly mode: string;
  createKernel(source: KernelSource, settings: Record<string, unknown>): GpuJsKernel;
  destroy(): unknown;
}

interface GpuJsModule {
  GPU: (new (settings: { mode: string }) => GpuJs) & { isHeadlessGLSupported?: boolean };
  HeadlessGLKernel: { isSupported: boolean };
}

export interface CompiledKernel {
  run(inputs: Float32Array[]): Promise<Float32Array>;
  destroy(): void;
}

export interface GpuDevice {
  readonly mode: GpuMode;
  /** What runs the kernels, for messages: the WebGPU adapter, the GL renderer, or the CPU mode's name. */
  readonly description: string;
  compile(source: KernelSource, constants: Record<string, number>, outputLength: number): CompiledKernel;
}

/**
 * Dawn's OpenGL backend loads EGL (glvnd's libEGL and libGLdispatch, then Mesa's libEGL_mesa) and unloads it when
 * its instance is freed. libGLdispatch leaves a per-thread destructor registered, so a thread that used GL and
 * exits after the unload jumps into unmapped code: the process crashed at exit now and then (a core showed it).
 * Loading those libraries first with RTLD_NODELETE keeps them mapped until the process ends. They are not Node
 * addons, so process.dlopen throws after loading them; that is expected.
 */
function pinGlLibraries(): void {
  const RTLD_NODELETE = 0x1000; // glibc's value; Node does not export it
  for (const library of ['libGLdispatch.so.0', 'libEGL.so.1', 'libEGL_mesa.so.0']) {
    try {
      process.dlopen({ exports: {} }, library, os.constants.dlopen.RTLD_NOW! | RTLD_NODELETE);
    } catch {
      // "did not self-register" (loaded and pinned), or not installed (Dawn will say what is missing)
    }
  }
}

/**
 * Every Dawn instance made here, kept until the thread ends: freeing one while the thread runs (the garbage
 * collector would, for the probe that found no adapter) can crash dawn.node.
 */
const dawnInstances: object[] = [];

/** Node has no navigator.gpu; Dawn's node binding (the `webgpu` package) provides one. */
async function installWebGpu(): Promise<string> {
  if (process.platform === 'linux') pinGlLibraries();
  const { create, globals } = (await import('webgpu')) as unknown as {
    create: (flags: string[]) => {
      requestAdapter(options?: object): Promise<{ info?: Record<string, string> } | null>;
    };
    globals: object;
  };
  Object.assign(globalThis, globals);
  // A real GPU answers the default backends. Without one, Dawn still finds Mesa's software rasteriser through its
  // OpenGL backend, at WebGPU's 'compatibility' feature level — which gpu.js does not ask for, so we add it.
  for (const flags of [[], ['backend=opengl']]) {
    const gpu = create(flags);
    dawnInstances.push(gpu);
    const requestAdapter = gpu.requestAdapter.bind(gpu);
    const adapter = await requestAdapter({ featureLevel: 'compatibility' });
    if (adapter) {
      gpu.requestAdapter = (options = {}) => requestAdapter({ featureLevel: 'compatibility', ...options });
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
      const info = adapter.info ?? {};
      return `WebGPU adapter: ${info.description || info.device || info.vendor || 'unnamed'}${flags.length ? ` (${flags[0]})` : ''}`;
    }
  }
  throw new Error(
    'no WebGPU adapter (Dawn found neither a GPU nor an OpenGL driver; on Debian install libegl1 libegl-mesa0 libgl1-mesa-dri)',
  );
}

function loadGpuJs(): GpuJsModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('gpu.js') as GpuJsModule;
}

/** Opens gpu.js in `mode`, or throws a one-line reason why it cannot run here. */
export async function openGpu(mode: GpuMode): Promise<GpuDevice> {
  let description: string = mode;
  if (mode === 'webgpu') description = await installWebGpu();
  const gpujs = loadGpuJs();
  if (mode === 'headlessgl' && !gpujs.HeadlessGLKernel.isSupported) {
    throw new Error(
      "headless-gl is not available (gpu.js's optional native package 'gl' is not built, or there is no X server: try xvfb-run)",
    );
  }
  const gpu = new gpujs.GPU({ mode });
  return {
    mode,
    description,
    compile(source, constants, outputLength) {
      const kernel = gpu.createKernel(source, {
        constants,
        output: [outputLength],
        precision: 'single',
        tactic: 'precision',
        loopMaxIterations: 1 << 24, // our loop bounds are constants, but raise the cap anyway
      });
      return {
        run: async (inputs) => Float32Array.from(await kernel(...inputs)),
        destroy: () => kernel.destroy(),
      };
    },
  };
}

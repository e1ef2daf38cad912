/**
 * Which onnxruntime execution provider runs the encoders (`--device`). The choices are the backends
 * onnxruntime-node 1.30 lists on Linux (`listSupportedBackends()`): cpu and webgpu are in the npm
 * package; cuda and tensorrt need provider libraries that its install script fetches only on request
 * (`script/install.js`: `--onnxruntime-node-install=cuda12`, or ONNXRUNTIME_NODE_INSTALL=cuda12), which
 * this repository's `.npmrc` (ignore-scripts) never runs. The probe's small float64 graphs stay on the CPU.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { UserError } from '../util/errors.ts';

export const DEVICES = ['cpu', 'cuda', 'tensorrt', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];

/** The provider library each downloadable backend loads from the binding's folder. */
const PROVIDER_LIBRARY: Partial<Record<Device, string>> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

/** What a device needs besides its provider library, for the error when the provider will not start. */
const NEEDS: Record<Device, string> = {
  cpu: '',
  cuda: 'an NVIDIA driver with the CUDA 12 and cuDNN 9 libraries on the library path',
  tensorrt: 'an NVIDIA driver with CUDA 12, cuDNN 9 and TensorRT 10 libraries on the library path',
  webgpu: 'a GPU with a Vulkan driver (libvulkan.so.1)',
};

interface OrtPackage {
  /** The folder holding onnxruntime_binding.node, where provider libraries must be. */
  bindingDir: string;
  /** onnxruntime-node's install script. */
  installScript: string;
  backends: { name: string; bundled: boolean }[];
}

function ortPackage(): OrtPackage {
  const require = createRequire(import.meta.url);
  const main = require.resolve('onnxruntime-node');
  const root = dirname(dirname(main));
  const { listSupportedBackends } = require('onnxruntime-node') as { listSupportedBackends: () => { name: string; bundled: boolean }[] };
  return {
    bindingDir: join(root, 'bin', 'napi-v6', process.platform, process.arch),
    installScript: join(root, 'script', 'install.js'),
    backends: listSupportedBackends(),
  };
}

/** The command that fetches the CUDA provider libraries into this onnxruntime-node (network: api.nuget.org). */
export function cudaInstallCommand(installScript: string, cwd = process.cwd()): string {
  const rel = relative(cwd, installScript);
  const path = rel.startsWith('..') ? installScript : rel;
  return `ONNXRUNTIME_NODE_INSTALL=cuda12 node ${path}`;
}

/**
 * Checks, before any model is opened, that `device` can be asked for here: onnxruntime-node lists it on
 * this platform and, for cuda/tensorrt, its provider library is installed. Throws a UserError that says
 * how to get it. `pkg` is injectable for tests.
 */
export function checkDevice(device: Device, pkg: OrtPackage = ortPackage()): void {
  if (device === 'cpu') return;
  if (!pkg.backends.some((b) => b.name === device)) {
    throw new UserError(
      `--device ${device}: onnxruntime-node has no ${device} backend on ${process.platform}/${process.arch} (it offers ${pkg.backends.map((b) => b.name).join(', ')})`,
    );
  }
  const lib = PROVIDER_LIBRARY[device];
  if (lib && !existsSync(join(pkg.bindingDir, lib))) {
    throw new UserError(
      `--device ${device}: onnxruntime-node's ${device} provider is not installed (no ${join(pkg.bindingDir, lib)}); ` +
        `the npm package leaves it out; fetch its CUDA 12 libraries (from api.nuget.org) with: ${cudaInstallCommand(pkg.installScript)}`,
    );
  }
}

/** Session options for `device`: the provider first; onnxruntime runs any node it lacks on the CPU. */
export function executionProviders(device: Device): string[] {
  return [device];
}

/** The one-line error when a provider is installed but does not start (no GPU, missing driver libraries). */
export function deviceStartError(device: Device, path: string, message: string): UserError {
  // onnxruntime prefixes its source location and the failed check; the last sentence says what failed.
  const said = message.startsWith('/') ? (message.split('. ').pop() ?? message).trim() : message;
  return new UserError(`--device ${device}: onnxruntime could not start the ${device} provider for ${path} (${said}); it needs ${NEEDS[device]}; or run with --device cpu`);
}

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../src/cli/bench-args.ts';
import { main as compareMain } from '../../src/cli/compare.ts';
import { main as benchMain } from '../../src/cli/bench.ts';
import { main as featuresMain } from '../../src/cli/features.ts';
import { checkDevice, cudaInstallCommand, deviceStartError } from '../../src/model/device.ts';
import { loadModel } from '../../src/model/load.ts';
import { runMain } from '../cli/capture.ts';

const work = mkdtempSync(join(tmpdir(), 'cb-device-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// onnxruntime-node 1.30 on Linux, as listSupportedBackends() answers: CUDA and TensorRT not bundled.
const LINUX_BACKENDS = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: false },
  { name: 'tensorrt', bundled: false },
];
const pkg = (bindingDir: string) => ({ bindingDir, installScript: '/x/node_modules/onnxruntime-node/script/install.js', backends: LINUX_BACKENDS });
const CUDA_INSTALLED = existsSync(join('node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'));

describe('--device', () => {
  it('defaults to cpu', () => {
    expect(parseBenchArgs(['--dataset', 'cifar10']).device).toBe('cpu');
    expect(parseBenchArgs(['--dataset', 'cifar10', '--device', 'cpu']).device).toBe('cpu');
  });

  it('refuses a name that is no execution provider, listing the choices', () => {
    expect(() => parseBenchArgs(['--dataset', 'cifar10', '--device', 'gpu'])).toThrow('--device must be cpu, cuda, tensorrt or webgpu, got "gpu"');
  });

  it('cuda without its provider library: the error names the missing file and the install command', () => {
    const dir = mkdtempSync(join(work, 'bin-'));
    expect(() => checkDevice('cuda', pkg(dir))).toThrow(
      `--device cuda: onnxruntime-node's cuda provider is not installed (no ${join(dir, 'libonnxruntime_providers_cuda.so')}); the npm package leaves it out; ` +
        'fetch its CUDA 12 libraries (from api.nuget.org) with: ONNXRUNTIME_NODE_INSTALL=cuda12 node /x/node_modules/onnxruntime-node/script/install.js',
    );
  });

  it('cuda with its provider library present passes the check (the provider itself starts at session creation)', () => {
    const dir = mkdtempSync(join(work, 'bin-'));
    writeFileSync(join(dir, 'libonnxruntime_providers_cuda.so'), '');
    expect(() => checkDevice('cuda', pkg(dir))).not.toThrow();
    expect(() => checkDevice('tensorrt', pkg(dir))).toThrow(/tensorrt provider is not installed/);
  });

  it('a backend this platform lacks is named with the ones it has', () => {
    expect(() => checkDevice('cuda', { ...pkg(work), backends: [{ name: 'cpu', bundled: true }] })).toThrow(/onnxruntime-node has no cuda backend on .* \(it offers cpu\)/);
  });

  it('the install command is relative to the working directory when the package is below it', () => {
    expect(cudaInstallCommand('/p/node_modules/onnxruntime-node/script/install.js', '/p')).toBe('ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js');
    expect(cudaInstallCommand('/q/node_modules/onnxruntime-node/script/install.js', '/p')).toBe('ONNXRUNTIME_NODE_INSTALL=cuda12 node /q/node_modules/onnxruntime-node/script/install.js');
  });

  it("a provider that will not start: onnxruntime's source location is dropped, what failed and what it needs are kept", () => {
    const e = deviceStartError('webgpu', 'm/vision.onnx', '/onnxruntime_src/x.cc:136 lambda adapter_result.status == Success was false. Failed to get a WebGPU adapter: No supported adapters');
    expect(e.message).toBe(
      '--device webgpu: onnxruntime could not start the webgpu provider for m/vision.onnx (Failed to get a WebGPU adapter: No supported adapters); it needs a GPU with a Vulkan driver (libvulkan.so.1); or run with --device cpu',
    );
  });

  it.skipIf(CUDA_INSTALLED)('bench, compare and features extract --device cuda on the npm build: one error line, exit 2, before any model or dataset is opened', async () => {
    for (const [main, argv] of [
      [benchMain, ['--dataset', 'no-such-dataset', '--model', './no-such-export', '--device', 'cuda']],
      [compareMain, ['--reference', './no-such-export', '--candidate', './no-such-export', '--dataset', 'no-such-dataset', '--device', 'cuda', '--out', join(work, 'cmp')]],
      [featuresMain, ['extract', '--dataset', 'no-such-dataset', '--model', './no-such-export', '--split', 'test', '--shard', '0/2', '--device', 'cuda', '--cache-dir', join(work, 'cache')]],
    ] as const) {
      const r = await runMain(main, [...argv]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^error: --device cuda: onnxruntime-node's cuda provider is not installed .*ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js\n$/);
      expect(r.out).toBe('');
    }
  });

  it.skipIf(CUDA_INSTALLED)('loadModel checks the device too (library callers get the same error)', async () => {
    await expect(loadModel('models/demo-clip', { device: 'cuda', threads: 1 })).rejects.toThrow(/--device cuda: onnxruntime-node's cuda provider is not installed/);
  });
});

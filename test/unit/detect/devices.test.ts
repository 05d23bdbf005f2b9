/**
 * Device choice: the order tried per platform, skipped providers with their reason, and
 * on this machine a real fallback (the CUDA and WebGPU providers cannot start here or
 * can; either way the device in use and the reasons are reported).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fallbackSummary, planDevices, shortReason, vulkanLoaderPresent } from '../../../electron/core/detect/devices';
import { loadModel } from '../../../electron/core/detect/engine';
import { TINY_MODEL } from './fixturePhotos';

describe('planDevices', () => {
  const everything = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

  it('tries the platform\'s accelerators first and always ends on the CPU', () => {
    const vulkan = () => true;
    expect(planDevices('auto', 'linux', everything, vulkan).candidates).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(planDevices('auto', 'win32', everything).candidates).toEqual(['cuda', 'dml', 'webgpu', 'cpu']);
    expect(planDevices('auto', 'darwin', everything).candidates).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(planDevices('auto', 'freebsd', everything).candidates).toEqual(['cpu']);
    expect(planDevices('cpu', 'linux', everything, vulkan)).toEqual({ candidates: ['cpu'], skipped: [], order: ['cpu'] });
    expect(planDevices('auto', 'win32', everything).order).toEqual(['cuda', 'dml', 'webgpu', 'cpu']);
    expect(planDevices('dml', 'win32', everything).candidates).toEqual(['dml', 'cpu']);
  });

  it('skips what this onnxruntime build does not offer, saying so', () => {
    const plan = planDevices('auto', 'darwin', ['cpu']);
    expect(plan.candidates).toEqual(['cpu']);
    expect(plan.skipped.map((s) => s.device)).toEqual(['coreml', 'webgpu']);
    expect(plan.skipped[0]!.reason).toMatch(/^not offered by onnxruntime-node on darwin\//);
    expect(planDevices('coreml', 'linux', ['cpu', 'cuda']).skipped).toHaveLength(1);
  });

  it('skips WebGPU on a Linux without a Vulkan loader, saying so, and only there', () => {
    const plan = planDevices('auto', 'linux', everything, () => false);
    expect(plan.candidates).toEqual(['cuda', 'cpu']);
    expect(plan.skipped).toEqual([{ device: 'webgpu', reason: expect.stringMatching(/^no Vulkan loader \(libvulkan\.so\.1\)/) }]);
    expect(planDevices('webgpu', 'linux', everything, () => false).candidates).toEqual(['cpu']);
    expect(planDevices('auto', 'win32', everything, () => false).candidates).toContain('webgpu');
  });

  it('finds the Vulkan loader through LD_LIBRARY_PATH', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vulkan-'));
    try {
      const withoutIt = vulkanLoaderPresent({ LD_LIBRARY_PATH: dir });
      writeFileSync(path.join(dir, 'libvulkan.so.1'), '');
      expect(vulkanLoaderPresent({ LD_LIBRARY_PATH: `/nowhere:${dir}` })).toBe(true);
      // Without the file the answer is the system's own (this machine may or may not have Vulkan).
      expect(withoutIt).toBe(vulkanLoaderPresent({}));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sums up the fallbacks in one sentence', () => {
    expect(fallbackSummary('cpu', [])).toBeNull();
    expect(fallbackSummary('cpu', [{ device: 'cuda', reason: 'failed to start: no GPU' }])).toBe(
      'running on CPU because CUDA: failed to start: no GPU',
    );
  });

  it('keeps the actionable part of onnxruntime\'s messages', () => {
    expect(shortReason(new Error(
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters',
    ))).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(shortReason(new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'))).toContain('provider library is not installed');
  });
});

describe('loadModel on this machine', () => {
  it('reports the device in use and why any better one was not used', async () => {
    const model = await loadModel(TINY_MODEL, { device: 'auto', intraOpThreads: 1 });
    try {
      const plan = planDevices('auto');
      // Every accelerator skipped or tried before the one in use left a reason, best first.
      const tried = plan.candidates.slice(0, plan.candidates.indexOf(model.device));
      const expected = plan.order.filter((device) => plan.skipped.some((s) => s.device === device) || tried.includes(device));
      expect(model.fallbacks.map((f) => f.device)).toEqual(expected);
      for (const fallback of model.fallbacks) expect(fallback.reason.length).toBeGreaterThan(10);
      expect(model.fallbackReason === null).toBe(model.fallbacks.length === 0);
    } finally {
      await model.session.release();
    }
  });

  it('falls back to the CPU from an explicit device that cannot start, with the reason', async () => {
    const model = await loadModel(TINY_MODEL, { device: 'coreml', intraOpThreads: 1 });
    try {
      if (process.platform !== 'darwin') {
        expect(model.device).toBe('cpu');
        expect(model.fallbacks).toHaveLength(1);
        expect(model.fallbacks[0]!.device).toBe('coreml');
        expect(model.fallbackReason).toMatch(/^running on CPU because CoreML: /);
      }
    } finally {
      await model.session.release();
    }
  });
});

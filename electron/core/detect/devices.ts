/**
 * Which execution provider runs the model. `auto` tries the accelerators that make sense
 * on this platform, best first, and ends on the CPU, which always works; an explicit
 * choice is tried first and also ends on the CPU. Every provider that is skipped or fails
 * to start leaves a reason, so the device in use and why it is not the first choice are
 * always shown (docs/DESIGN.md: "the device used is always visible, and a fallback says why").
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { listSupportedBackends } from 'onnxruntime-node';
import type { DetectDevice, DeviceFallback, DeviceRequest } from '../../api/types';

export const DEVICE_REQUESTS: readonly DeviceRequest[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

/** Names for people (status bar, CLI). */
export const DEVICE_LABELS: Readonly<Record<DetectDevice, string>> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
};

/** Accelerators in order of preference per platform; CPU is appended to every list. */
const AUTO_ORDER: Readonly<Record<string, readonly DetectDevice[]>> = {
  linux: ['cuda', 'webgpu'],
  win32: ['cuda', 'dml', 'webgpu'],
  darwin: ['coreml', 'webgpu'],
};

export interface DevicePlan {
  /** Devices to try, in order; always ends with 'cpu'. */
  candidates: DetectDevice[];
  /** Devices left out before trying, with why (not offered by this onnxruntime build). */
  skipped: DeviceFallback[];
  /** Every device asked for, best first, then 'cpu': the order fallbacks are reported in. */
  order: DetectDevice[];
}

export function isDeviceRequest(value: string): value is DeviceRequest {
  return (DEVICE_REQUESTS as readonly string[]).includes(value);
}

/** Backend names onnxruntime-node offers on this machine ('cpu', 'cuda', 'webgpu'…). */
export function offeredBackends(): string[] {
  try {
    return listSupportedBackends().map((backend) => backend.name);
  } catch {
    return ['cpu'];
  }
}

/** Where Linux keeps shared libraries when LD_LIBRARY_PATH does not say otherwise. */
const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/lib64', '/lib', '/usr/local/lib'];

/**
 * True when Linux can load the Vulkan loader (libvulkan.so.1), which WebGPU (Dawn) needs
 * there: listed in the dynamic linker's cache or present in a library folder. Without it
 * Dawn prints a native warning and finds no adapter; the plan skips WebGPU instead.
 */
export function vulkanLoaderPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  const name = 'libvulkan.so.1';
  try {
    if (readFileSync('/etc/ld.so.cache').includes(name)) return true;
  } catch {
    // No cache (some containers): look in the folders.
  }
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LIBRARY_DIRS];
  return dirs.some((dir) => existsSync(path.join(dir, name)));
}

/**
 * The devices to try for `request`, best first. A device that this onnxruntime-node
 * build does not offer on the platform, or that cannot start here (WebGPU on a Linux
 * without Vulkan), is skipped with a reason instead of being tried.
 */
export function planDevices(
  request: DeviceRequest,
  platform: string = process.platform,
  offered: readonly string[] = offeredBackends(),
  hasVulkanLoader: () => boolean = vulkanLoaderPresent,
): DevicePlan {
  const wanted: DetectDevice[] = request === 'auto' ? [...(AUTO_ORDER[platform] ?? [])] : request === 'cpu' ? [] : [request];
  const candidates: DetectDevice[] = [];
  const skipped: DeviceFallback[] = [];
  for (const device of wanted) {
    if (!offered.includes(device)) {
      skipped.push({ device, reason: `not offered by onnxruntime-node on ${platform}/${process.arch}` });
    } else if (device === 'webgpu' && platform === 'linux' && !hasVulkanLoader()) {
      skipped.push({ device, reason: 'no Vulkan loader (libvulkan.so.1) on this system; the GPU driver\'s Vulkan support provides it' });
    } else {
      candidates.push(device);
    }
  }
  candidates.push('cpu');
  return { candidates, skipped, order: [...wanted.filter((device) => device !== 'cpu'), 'cpu'] };
}

/**
 * onnxruntime's failure messages start with source paths and line numbers; keep the
 * sentence a person can act on, on one line.
 */
export function shortReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cleaned = message
    .replace(/\/onnxruntime_src\/\S+:\d+\s*/g, '')
    .replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/g, '')
    .replace(/\S+::\S+\([^)]*\)(::<lambda\(\)>)?\s*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (/Failed to load (shared )?library|providers_shared/i.test(cleaned)) {
    // onnxruntime-node ships the CUDA provider as a separate download made at install time.
    return 'its provider library is not installed with onnxruntime-node (npm downloads it at install time where the network allows)';
  }
  const gist = /(Failed to get a WebGPU adapter.*|backend not found.*)$/i.exec(cleaned)?.[1] ?? cleaned;
  return gist.length > 240 ? `${gist.slice(0, 237)}...` : gist;
}

/** One sentence saying why the device in use is not the first one tried; null when it is. */
export function fallbackSummary(device: DetectDevice, fallbacks: readonly DeviceFallback[]): string | null {
  if (fallbacks.length === 0) return null;
  const reasons = fallbacks.map((fallback) => `${DEVICE_LABELS[fallback.device]}: ${fallback.reason}`).join('; ');
  return `running on ${DEVICE_LABELS[device]} because ${reasons}`;
}

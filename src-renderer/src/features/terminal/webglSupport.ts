/**
 * WebGL helps xterm only when a GPU draws it. A software rasteriser (SwiftShader, llvmpipe — what
 * Chromium falls back to with no usable GPU, e.g. in VMs and headless runs) is slower than xterm's
 * DOM renderer, so it is treated as "no WebGL". Measured: 1.3 MB/s with SwiftShader vs the DOM
 * renderer figure in bench:terminal.
 */
let cached: boolean | null = null;

export function hardwareWebgl(): boolean {
  if (cached !== null) return cached;
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return (cached = false);
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(
      info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
    );
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    cached = !/swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
  } catch {
    cached = false;
  }
  return cached;
}

/** XML escaping for text placed in SVG. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// ColorBrewer "Blues" (5 classes): sequential in lightness, so it reads for colour-blind viewers
// and in greyscale; the darkest classes take white labels.
export const SEQUENTIAL = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'];
export const BAR = '#08519c'; // 8.6:1 on white
export const INK = '#1b1f24';
export const FONT = "font-family='Noto Naskh Arabic, DejaVu Sans, sans-serif'";

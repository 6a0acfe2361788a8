/** XML escaping for text placed in SVG. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// ColorBrewer "Blues" (5 classes): sequential in lightness, so it reads for colour-blind viewers
// and in greyscale; the darkest classes take white labels.
// The lightest class is well apart from no-data (#f4f4f2): a one-incident country must show.
export const SEQUENTIAL = ['#b3d1ea', '#86b6dc', '#5a9bcf', '#3182bd', '#08519c'];
export const BAR = '#08519c'; // 8.6:1 on white
export const INK = '#1b1f24';
export const FONT = "font-family='Noto Naskh Arabic, DejaVu Sans, sans-serif'";

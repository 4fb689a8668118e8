/** Toolbar icons as inline SVG: DevTools' own are not available to extensions, and font glyphs vary by OS. */

const common = {
  width: 14,
  height: 14,
  viewBox: '0 0 16 16',
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': 1.5,
  'aria-hidden': true,
} as const;

export function ClearIcon() {
  return (
    <svg {...common}>
      <circle cx="8" cy="8" r="6" />
      <path d="M3.8 12.2 12.2 3.8" />
    </svg>
  );
}

export function DownloadIcon() {
  return (
    <svg {...common}>
      <path d="M8 2v8M4.5 6.8 8 10.3l3.5-3.5M2.5 13.5h11" />
    </svg>
  );
}

export function UploadIcon() {
  return (
    <svg {...common}>
      <path d="M8 11V3M4.5 6.2 8 2.7l3.5 3.5M2.5 13.5h11" />
    </svg>
  );
}

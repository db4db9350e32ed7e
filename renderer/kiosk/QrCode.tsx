/** A QR code drawn as SVG from the qrcode package's matrix (no canvas, no data URL, so the strict CSP holds). */
import QRCode from 'qrcode';
import { useMemo } from 'react';

export function QrCode({ text, label, size = 200 }: { text: string; label: string; size?: number }) {
  const path = useMemo(() => {
    const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    let d = '';
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.modules.get(r, c)) d += `M${c + 2} ${r + 2}h1v1h-1z`;
    return { d, view: n + 4 };
  }, [text]);
  return (
    <svg className="qr" role="img" aria-label={label} viewBox={`0 0 ${path.view} ${path.view}`} width={size} height={size} shapeRendering="crispEdges" data-qr-text={text}>
      <rect width={path.view} height={path.view} fill="#fff" />
      <path d={path.d} fill="#000" />
    </svg>
  );
}

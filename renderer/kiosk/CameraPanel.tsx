/**
 * What the kiosk camera saw last: the frame with a box round each object,
 * named when recognised, and the "please scan" prompt when the camera was
 * not sure (the customer scans that item's barcode instead).
 */
import { productName, type CameraView } from '../../core/index.ts';
import { useI18n } from '../i18n/i18n.tsx';

const COLOUR = { product: '#0e9f6e', ask: '#d97706', unknown: '#9ca3af' } as const;

export function CameraPanel({ view }: { view: CameraView }) {
  const { t, lang } = useI18n();
  const nameOf = (o: CameraView['objects'][number]) => (o.name ? productName({ name: o.name, ...(o.names ? { names: o.names } : {}) }, lang) : (o.productId ?? '?'));
  const added = view.objects.filter((o) => o.outcome === 'product' && o.productId && view.added.includes(o.productId));
  return (
    <section className="camera" aria-label={t('kiosk.camera')} data-testid="camera">
      <div className="camera-frame">
        <img src={view.frame} alt={t('kiosk.camera.alt')} />
        <svg viewBox={`0 0 ${view.width} ${view.height}`} preserveAspectRatio="none" aria-hidden="true">
          {view.objects.map((o, i) => (
            <g key={i}>
              <rect x={o.box.x} y={o.box.y} width={o.box.w} height={o.box.h} fill="none" stroke={COLOUR[o.outcome]} strokeWidth={Math.max(3, view.width / 160)} />
            </g>
          ))}
        </svg>
      </div>
      <ul className="camera-objects">
        {view.objects.map((o, i) => (
          <li key={i} className={`camera-object is-${o.outcome}`}>
            {o.outcome === 'unknown' ? t('kiosk.camera.unknown') : t('kiosk.camera.confidence', { name: nameOf(o), percent: Math.round(o.confidence * 100) })}
          </li>
        ))}
      </ul>
      {added.length ? <p className="camera-added">{t('kiosk.camera.added', { count: added.length, names: added.map(nameOf).join(', ') })}</p> : null}
      {view.askScan ? (
        <p className="camera-ask" role="alert" data-testid="camera-ask">
          {t('kiosk.camera.ask')}
        </p>
      ) : null}
    </section>
  );
}

/** The basket lines with large +/−/remove buttons (touch targets ≥ 64 px). */
import { lineTotal, type BasketLine } from '../../core/index.ts';
import { useI18n } from '../i18n/i18n.tsx';

type Props = {
  lines: readonly BasketLine[];
  disabled: boolean;
  onQuantity(productId: string, quantity: number): void;
  onRemove(productId: string): void;
};

export function BasketList({ lines, disabled, onQuantity, onRemove }: Props) {
  const { t, money } = useI18n();
  return (
    <ul className="basket" aria-label={t('kiosk.basket')}>
      {lines.map((line) => (
        <li key={line.productId} className="basket-line" data-testid="basket-line">
          <div className="line-info">
            <span className="line-name">{line.name}</span>
            <span className="line-each">{t('kiosk.each', { price: money(line.unitPrice) })}</span>
          </div>
          <div className="qty" role="group" aria-label={t('kiosk.quantity', { name: line.name })}>
            <button type="button" className="qty-btn" disabled={disabled || line.quantity <= 1} aria-label={t('kiosk.qty.less', { name: line.name })} onClick={() => onQuantity(line.productId, line.quantity - 1)}>
              −
            </button>
            <output className="qty-value" aria-live="polite">{line.quantity}</output>
            <button type="button" className="qty-btn" disabled={disabled} aria-label={t('kiosk.qty.more', { name: line.name })} onClick={() => onQuantity(line.productId, line.quantity + 1)}>
              +
            </button>
          </div>
          <span className="line-total">{money(lineTotal(line))}</span>
          <button type="button" className="remove-btn" disabled={disabled} aria-label={t('kiosk.remove', { name: line.name })} onClick={() => onRemove(line.productId)}>
            ✕
          </button>
        </li>
      ))}
    </ul>
  );
}

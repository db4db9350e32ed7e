/** The basket lines with the product's picture and name in the screen's language, and large +/−/remove buttons (touch targets ≥ 72 px). */
import { lineTotal, productName, type BasketLine } from '../../core/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ProductPicture } from './ProductPicture.tsx';

type Props = {
  lines: readonly BasketLine[];
  disabled: boolean;
  onQuantity(productId: string, quantity: number): void;
  onRemove(productId: string): void;
};

export function BasketList({ lines, disabled, onQuantity, onRemove }: Props) {
  const { t, money, lang } = useI18n();
  return (
    <ul className="basket" aria-label={t('kiosk.basket')}>
      {lines.map((line) => {
        const name = productName(line, lang);
        return (
          <li key={line.productId} className="basket-line" data-testid="basket-line">
            <ProductPicture picture={line.picture} name={name} />
            <div className="line-info">
              <span className="line-name" data-testid="line-name">
                {name}
              </span>
              <span className="line-each">{t('kiosk.each', { price: money(line.unitPrice) })}</span>
            </div>
            {/* biome-ignore lint/a11y/useSemanticElements: a role="group" div is valid ARIA here; a fieldset would bring its own border and legend into the basket line. */}
            <div className="qty" role="group" aria-label={t('kiosk.quantity', { name })}>
              <button
                type="button"
                className="qty-btn"
                disabled={disabled || line.quantity <= 1}
                aria-label={t('kiosk.qty.less', { name })}
                onClick={() => onQuantity(line.productId, line.quantity - 1)}
              >
                −
              </button>
              <output className="qty-value" aria-live="polite">
                {line.quantity}
              </output>
              <button type="button" className="qty-btn" disabled={disabled} aria-label={t('kiosk.qty.more', { name })} onClick={() => onQuantity(line.productId, line.quantity + 1)}>
                +
              </button>
            </div>
            <span className="line-total">{money(lineTotal(line))}</span>
            <button type="button" className="remove-btn" disabled={disabled} aria-label={t('kiosk.remove', { name })} onClick={() => onRemove(line.productId)}>
              ✕
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The smart cart's words (Korean and English), kept with its screens: the cart's own screen and the wallet's cart tab. */
import type { cartFlow } from '../../core/index.ts';

type CartPrompt = cartFlow.CartPrompt;

export type Lang = 'ko' | 'en';

/** What the shopper is told to do now, by the session's prompt. */
export const PROMPT_TEXT: Record<Lang, Record<CartPrompt, string>> = {
  en: {
    none: 'Put items in the cart. Each one appears below.',
    scan: 'Please scan the item you just put in (or took out) with the cart’s reader.',
    staff: 'A member of staff is on the way to your cart.',
    'pay-at-kiosk': 'The payment server cannot be reached. Please pay at a kiosk: it takes this cart’s basket.',
    'approve-on-phone': 'Approve the payment on your phone.',
    declined: 'The payment did not go through. Nothing was charged. You can try again.',
    expired: 'The payment request expired. Nothing was charged. You can try again.',
    'go-to-gate': 'Paid. Go to the exit gate: it opens for this cart.',
  },
  ko: {
    none: '상품을 카트에 넣으세요. 넣은 상품이 아래에 표시됩니다.',
    scan: '방금 넣거나 뺀 상품을 카트의 스캐너로 스캔해 주세요.',
    staff: '직원이 카트로 오고 있습니다.',
    'pay-at-kiosk': '결제 서버에 연결할 수 없습니다. 키오스크에서 결제하세요. 이 카트의 장바구니를 키오스크가 가져옵니다.',
    'approve-on-phone': '휴대폰에서 결제를 승인하세요.',
    declined: '결제가 되지 않았습니다. 청구된 금액은 없습니다. 다시 시도할 수 있습니다.',
    expired: '결제 요청이 만료되었습니다. 청구된 금액은 없습니다. 다시 시도할 수 있습니다.',
    'go-to-gate': '결제 완료. 출구 게이트로 가세요. 이 카트에 게이트가 열립니다.',
  },
};

type LabelKey =
  | 'title'
  | 'pair'
  | 'pairHint'
  | 'pairAddress'
  | 'paired'
  | 'basket'
  | 'empty'
  | 'total'
  | 'pay'
  | 'staffCalled'
  | 'offline'
  | 'held'
  | 'paid'
  | 'exitPass'
  | 'qty'
  | 'reason.second-mismatch'
  | 'reason.age-restricted'
  | 'reason.high-value'
  | 'phone.title'
  | 'phone.none'
  | 'phone.pairWith'
  | 'phone.pairField'
  | 'phone.pairButton'
  | 'phone.paired'
  | 'phone.request'
  | 'phone.openRequest'
  | 'phone.bad';

export const LABELS: Record<Lang, Record<LabelKey, string>> = {
  en: {
    title: 'Smart cart',
    pair: 'Pair your phone',
    pairHint: 'Scan this code with the EdgePay wallet on your phone. Your basket then shows on the phone too.',
    pairAddress: 'No camera? Paste this address in the wallet’s Cart tab:',
    paired: 'Phone paired',
    basket: 'Your basket',
    empty: 'The basket is empty.',
    total: 'Total',
    pay: 'Pay with my phone',
    staffCalled: 'Staff called',
    offline: 'Offline: the basket keeps growing; pay at a kiosk.',
    held: 'Held at the gate',
    paid: 'Paid',
    exitPass: 'Exit pass ready',
    qty: '×',
    'reason.second-mismatch': 'the weight and the scans disagree',
    'reason.age-restricted': 'an age check',
    'reason.high-value': 'a high-value item check',
    'phone.title': 'Cart',
    'phone.none': 'No cart paired. Scan the QR code on a smart cart’s screen, or paste its address here.',
    'phone.pairWith': 'Pair with a cart',
    'phone.pairField': 'Cart address or pairing code',
    'phone.pairButton': 'Pair',
    'phone.paired': 'Paired with {cart}',
    'phone.request': 'Your cart asks you to pay {amount}.',
    'phone.openRequest': 'Open the request to pay',
    'phone.bad': 'That is not a cart’s pairing address.',
  },
  ko: {
    title: '스마트 카트',
    pair: '휴대폰 연결',
    pairHint: '휴대폰의 EdgePay 지갑으로 이 코드를 스캔하세요. 장바구니가 휴대폰에도 표시됩니다.',
    pairAddress: '카메라가 없나요? 지갑의 카트 탭에 이 주소를 붙여 넣으세요:',
    paired: '휴대폰 연결됨',
    basket: '장바구니',
    empty: '장바구니가 비어 있습니다.',
    total: '합계',
    pay: '휴대폰으로 결제',
    staffCalled: '직원 호출됨',
    offline: '오프라인: 장바구니는 계속 담깁니다. 키오스크에서 결제하세요.',
    held: '게이트에서 대기',
    paid: '결제 완료',
    exitPass: '출구 통과권 준비됨',
    qty: '×',
    'reason.second-mismatch': '무게와 스캔이 일치하지 않음',
    'reason.age-restricted': '연령 확인',
    'reason.high-value': '고가 상품 확인',
    'phone.title': '카트',
    'phone.none': '연결된 카트가 없습니다. 스마트 카트 화면의 QR 코드를 스캔하거나 주소를 여기에 붙여 넣으세요.',
    'phone.pairWith': '카트 연결',
    'phone.pairField': '카트 주소 또는 연결 코드',
    'phone.pairButton': '연결',
    'phone.paired': '{cart}에 연결됨',
    'phone.request': '카트가 {amount} 결제를 요청합니다.',
    'phone.openRequest': '결제 요청 열기',
    'phone.bad': '카트의 연결 주소가 아닙니다.',
  },
};

export const cartLang = (lang: string): Lang => (lang === 'en' ? 'en' : 'ko');

/**
 * The session id and code from what the shopper pasted: the QR code's wallet
 * address (…/wallet/#/cart/pair?s=…&c=…) or the two values side by side.
 */
export function parsePairing(text: string): { sessionId: string; code: string } | null {
  const t = text.trim();
  const q = t.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(t.slice(q + 1));
    const s = params.get('s');
    const c = params.get('c');
    return s && c ? { sessionId: s, code: c } : null;
  }
  const parts = t.split(/[\s:]+/).filter(Boolean);
  return parts.length === 2 ? { sessionId: parts[0]!, code: parts[1]! } : null;
}

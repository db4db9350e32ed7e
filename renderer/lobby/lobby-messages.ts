/** The lobby terminal's words (Korean and English), kept with the screen. */
import type { LobbyStep } from '../../core/index.ts';

type Lang = 'ko' | 'en';

export const STEP_TEXT: Record<Lang, Record<LobbyStep, string>> = {
  en: {
    idle: 'Delivery to a unit',
    sending: 'Sending…',
    'waiting-orderer': 'Waiting for the orderer to approve on their phone…',
    approved: 'Approved by the orderer.',
    'card-ready': 'Card ready in the terminal.',
    charging: 'Charging…',
    'elevator-coming': 'Payment done. The goods elevator is on its way to the lobby.',
    'load-goods': 'Put the goods in the elevator, then press "Goods are in".',
    'on-the-way': 'The elevator is taking the goods up.',
    arrived: 'The goods have arrived at the floor.',
    delivered: 'Delivered. Thank you!',
    declined: 'The orderer declined this delivery.',
    'no-answer': 'The orderer did not answer in time.',
    'unit-unavailable': 'This delivery cannot be sent to that unit from here.',
    'courier-unknown': 'This courier code is not known.',
    'too-many-tries': 'Too many units tried. Please wait a few minutes.',
    'card-declined': 'The payment did not go through. Nothing was charged.',
    'elevator-fault': 'The elevator could not deliver. The payment was given back; take the goods at the lobby.',
    'not-taken': 'The goods were not taken out. They come back to the lobby; the payment was given back.',
    'server-unreachable': 'An approval needs the server, which cannot be reached now. Your entry is kept: try again in a moment.',
  },
  ko: {
    idle: '세대 배달',
    sending: '보내는 중…',
    'waiting-orderer': '주문자의 휴대폰 승인을 기다리는 중…',
    approved: '주문자가 승인했습니다.',
    'card-ready': '단말기에 카드가 준비되었습니다.',
    charging: '결제 중…',
    'elevator-coming': '결제 완료. 화물 엘리베이터가 로비로 오고 있습니다.',
    'load-goods': '물건을 엘리베이터에 넣고 "물건을 넣었습니다"를 누르세요.',
    'on-the-way': '엘리베이터가 물건을 올려 보내는 중입니다.',
    arrived: '물건이 층에 도착했습니다.',
    delivered: '배달 완료. 감사합니다!',
    declined: '주문자가 이 배달을 거절했습니다.',
    'no-answer': '주문자가 제시간에 응답하지 않았습니다.',
    'unit-unavailable': '이 세대로는 여기서 배달할 수 없습니다.',
    'courier-unknown': '알 수 없는 배달원 코드입니다.',
    'too-many-tries': '너무 많은 세대를 시도했습니다. 몇 분 뒤에 다시 시도하세요.',
    'card-declined': '결제가 되지 않았습니다. 청구된 금액은 없습니다.',
    'elevator-fault': '엘리베이터가 배달하지 못했습니다. 결제는 취소되었습니다. 로비에서 물건을 받으세요.',
    'not-taken': '물건을 꺼내지 않았습니다. 로비로 돌아오며 결제는 취소되었습니다.',
    'server-unreachable': '승인에는 서버가 필요한데 지금 연결할 수 없습니다. 입력한 내용은 남아 있습니다. 잠시 뒤 다시 시도하세요.',
  },
};

type LabelKey = 'code' | 'unit' | 'amount' | 'send' | 'loaded' | 'again' | 'retry' | 'car' | 'floor' | 'refunded' | 'scanHint' | 'scanned' | 'queued' | 'keypad' | 'delete' | 'progress' | 'steps';

export const LABELS: Record<Lang, Record<LabelKey, string>> = {
  en: {
    code: 'Courier code',
    unit: 'Unit',
    amount: 'Amount',
    send: 'Ask the orderer',
    loaded: 'Goods are in',
    again: 'New delivery',
    retry: 'Try again',
    car: 'Car',
    floor: 'floor',
    refunded: 'Payment given back',
    scanHint: "Or show your company app's QR code to the scanner below the screen.",
    scanned: "Courier identified by the company app's QR code.",
    queued: 'The payment will be given back as soon as the server can be reached (kept by this terminal).',
    keypad: 'Keypad',
    delete: 'Delete',
    progress: 'Delivery',
    steps: 'Steps of the delivery',
  },
  ko: {
    code: '배달원 코드',
    unit: '세대',
    amount: '금액',
    send: '주문자에게 요청',
    loaded: '물건을 넣었습니다',
    again: '새 배달',
    retry: '다시 시도',
    car: '호기',
    floor: '층',
    refunded: '결제 취소됨',
    scanHint: '또는 화면 아래 스캐너에 회사 앱의 QR 코드를 보여 주세요.',
    scanned: '회사 앱의 QR 코드로 배달원을 확인했습니다.',
    queued: '서버에 연결되는 대로 결제가 취소됩니다 (이 단말기가 보관 중).',
    keypad: '키패드',
    delete: '지우기',
    progress: '배달',
    steps: '배달 단계',
  },
};

/** The steps of a delivery that goes well, shown as a list down the portrait screen (short words). */
export const PROGRESS_STEPS = ['waiting-orderer', 'approved', 'charging', 'elevator-coming', 'load-goods', 'on-the-way', 'arrived', 'delivered'] as const satisfies readonly LobbyStep[];
export const PROGRESS_TEXT: Record<Lang, Record<(typeof PROGRESS_STEPS)[number], string>> = {
  en: {
    'waiting-orderer': 'Orderer asked',
    approved: 'Approved',
    charging: 'Paid by card',
    'elevator-coming': 'Elevator called',
    'load-goods': 'Goods loaded',
    'on-the-way': 'Going up',
    arrived: 'At the floor',
    delivered: 'Delivered',
  },
  ko: {
    'waiting-orderer': '주문자 요청',
    approved: '승인',
    charging: '카드 결제',
    'elevator-coming': '엘리베이터 호출',
    'load-goods': '물건 싣기',
    'on-the-way': '올라가는 중',
    arrived: '층 도착',
    delivered: '배달 완료',
  },
};

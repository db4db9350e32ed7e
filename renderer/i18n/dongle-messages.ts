/**
 * The wallet's words for the two-channel flow (pairing a dongle, confirming a
 * payment with its code and the number on the device), Korean and English;
 * spread into wallet-messages.ts.
 */
export const dongleEn = {
  'wallet.nav.dongle': 'Dongle',
  'wallet.dongle': 'My dongle',
  'wallet.dongle.hint': 'Pair the dongle in your car: its serial is printed on it, and it shows a 6-digit code (press its button, or open its app).',
  'wallet.dongle.none': 'No dongle paired yet.',
  'wallet.dongle.row': 'Dongle {serial}, paired {time}',
  'wallet.dongle.serial': 'Serial (XXXX-XXXX-XXXX-XXXX)',
  'wallet.dongle.code': 'Code on the dongle',
  'wallet.dongle.pair': 'Pair',
  'wallet.dongle.paired': 'Paired. Pumps and gates that hear it will ask you here.',
  'wallet.dongle.confirmHint': 'Your dongle was heard here. Enter the number shown on the device and the code your dongle shows.',
  'wallet.dongle.presence': 'Number on the device',
  'wallet.dongle.confirm': 'Confirm with dongle',
  'wallet.dongle.confirmed': 'Paid with your dongle.',
  'wallet.dongle.declined': 'Confirmed, but the payment was declined ({reason}).',
  'wallet.requests.outcome.approvedDongle': 'Confirmed with your dongle',
  'wallet.error.OTP_INVALID': 'That code is not right. Check the dongle and try again.',
  'wallet.error.OTP_REPLAYED': 'That code was used already. Wait for the dongle\'s next code.',
  'wallet.error.OTP_THROTTLED': 'Too many wrong codes. Wait a moment, then try again.',
  'wallet.error.OTP_LOCKED': 'Locked after too many wrong codes. Try again later.',
  'wallet.error.OTP_RESYNC_NEEDED': 'The dongle\'s clock is off. Enter the next code it shows.',
  'wallet.error.TWO_CHANNEL_PRESENCE_MISMATCH': 'That is not the number on the device. Are you at the pump?',
  'wallet.error.TWO_CHANNEL_DONGLE_UNKNOWN': 'No dongle with this serial is waiting to be paired.',
  'wallet.error.TWO_CHANNEL_NO_CARD': 'Add a card first.',
} as const;

export type DongleMessageKey = keyof typeof dongleEn;

export const dongleKo: Record<DongleMessageKey, string> = {
  'wallet.nav.dongle': '동글',
  'wallet.dongle': '내 동글',
  'wallet.dongle.hint': '차량의 동글을 등록하세요. 일련번호는 동글에 적혀 있고, 동글은 6자리 코드를 보여 줍니다(버튼을 누르거나 앱을 여세요).',
  'wallet.dongle.none': '아직 등록한 동글이 없습니다.',
  'wallet.dongle.row': '동글 {serial}, {time} 등록',
  'wallet.dongle.serial': '일련번호 (XXXX-XXXX-XXXX-XXXX)',
  'wallet.dongle.code': '동글의 코드',
  'wallet.dongle.pair': '등록',
  'wallet.dongle.paired': '등록했습니다. 동글을 감지한 주유기나 주차 게이트가 여기로 요청합니다.',
  'wallet.dongle.confirmHint': '이곳에서 동글이 감지되었습니다. 기기에 표시된 숫자와 동글의 코드를 입력하세요.',
  'wallet.dongle.presence': '기기에 표시된 숫자',
  'wallet.dongle.confirm': '동글로 확인',
  'wallet.dongle.confirmed': '동글로 결제했습니다.',
  'wallet.dongle.declined': '확인했지만 결제가 거절되었습니다 ({reason}).',
  'wallet.requests.outcome.approvedDongle': '동글로 확인함',
  'wallet.error.OTP_INVALID': '코드가 맞지 않습니다. 동글을 확인하고 다시 입력하세요.',
  'wallet.error.OTP_REPLAYED': '이미 사용한 코드입니다. 동글의 다음 코드를 기다리세요.',
  'wallet.error.OTP_THROTTLED': '틀린 코드가 너무 많습니다. 잠시 후 다시 시도하세요.',
  'wallet.error.OTP_LOCKED': '틀린 코드가 너무 많아 잠겼습니다. 나중에 다시 시도하세요.',
  'wallet.error.OTP_RESYNC_NEEDED': '동글의 시계가 맞지 않습니다. 다음 코드를 입력하세요.',
  'wallet.error.TWO_CHANNEL_PRESENCE_MISMATCH': '기기에 표시된 숫자가 아닙니다. 주유기 앞에 계신가요?',
  'wallet.error.TWO_CHANNEL_DONGLE_UNKNOWN': '이 일련번호로 등록을 기다리는 동글이 없습니다.',
  'wallet.error.TWO_CHANNEL_NO_CARD': '먼저 카드를 추가하세요.',
};

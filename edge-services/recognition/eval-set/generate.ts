/**
 * Regenerates the labelled evaluation set in this folder:
 *
 *   npx tsx edge-services/recognition/eval-set/generate.ts
 *
 * Deterministic (seeded): the same script gives the same manifest and, with
 * the same @napi-rs/canvas build and DejaVu Sans (Debian's fonts-dejavu-core),
 * the same pictures. What it makes:
 *
 * - 12 enrolled products: 11 generated product renders (boxes, cans, bottles,
 *   pouches with brand text, colour bands, emblems; two pairs are near-twins
 *   that differ only in flavour colour and text) and one real photograph
 *   (`sources/coffee.jpg`, a cup of coffee, CC0, from Debian's python3-skimage
 *   data set) shown as a café item.
 * - 9 unknown objects that are never enrolled: 3 more generated products
 *   (2 of them carry an EAN-13 that is not in the catalogue), a generated mug,
 *   a generated phone, 2 real photographs (`sources/chelsea.jpg`, a cat,
 *   CC0; `sources/rocket.jpg`, a rocket launch, public domain; both from
 *   python3-skimage), and 2 near-twins of enrolled products (same brand and
 *   print as Fizz Cola and the salted chips, other flavour and colour).
 * - Frames (640x480 JPEG): per enrolled product 5 enrolment views and 6 test
 *   views of the front, plus one test view of the back where the EAN-13 is
 *   (generated products only); 5 views per unknown object. Conditions vary per
 *   frame: position, scale, rotation (up to 35 degrees), background (tray,
 *   belt, counter, clutter), lighting (brightness, colour cast, vignette),
 *   blur, sensor noise, and partial occlusion by a hand or another object
 *   (test frames only, up to about a quarter of the object).
 *
 * `manifest.json` lists every frame with its split, label and conditions.
 */
import { createCanvas, GlobalFonts, loadImage, type Image, type SKRSContext2D } from '@napi-rs/canvas';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HERE = import.meta.dirname;
// A calibration set comes from the same generator with another seed into
// another folder (`--seed N --out DIR`), so thresholds are tuned on frames the
// evaluation set does not contain.
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const OUT = arg('--out') ?? HERE;
const FRAMES = join(OUT, 'frames');
const W = 640;
const H = 480;
const SEED = Number(arg('--seed') ?? 20240611);
// Text is drawn in DejaVu Sans (Debian's fonts-dejavu-core), named explicitly: the generic
// `sans-serif` resolves through fontconfig, and with other fonts installed (fonts-noto-cjk)
// it became a serif face, so the same script drew other pictures.
const SANS = 'EdgePay Eval Sans';
for (const file of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) GlobalFonts.registerFromPath(join('/usr/share/fonts/truetype/dejavu', file), SANS);

// ---- deterministic randomness -------------------------------------------
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rand = mulberry32(SEED);
const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
function gauss(): number {
  const u = Math.max(rand(), 1e-9);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

// ---- EAN-13 ---------------------------------------------------------------
const L_CODES = ['0001101', '0011001', '0010011', '0111101', '0100011', '0110001', '0101111', '0111011', '0110111', '0001011'];
const G_CODES = ['0100111', '0110011', '0011011', '0100001', '0011101', '0111001', '0000101', '0010001', '0001001', '0010111'];
const R_CODES = ['1110010', '1100110', '1101100', '1000010', '1011100', '1001110', '1010000', '1000100', '1001000', '1110100'];
const PARITY = ['LLLLLL', 'LLGLGG', 'LLGGLG', 'LLGGGL', 'LGLLGG', 'LGGLLG', 'LGGGLL', 'LGLGLG', 'LGLGGL', 'LGGLGL'];

export function ean13CheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

function ean13Modules(code: string): string {
  const d = code.split('').map(Number);
  const parity = PARITY[d[0]!]!;
  let bits = '101';
  for (let i = 1; i <= 6; i++) bits += (parity[i - 1] === 'L' ? L_CODES : G_CODES)[d[i]!]!;
  bits += '01010';
  for (let i = 7; i <= 12; i++) bits += R_CODES[d[i]!]!;
  return bits + '101';
}

/** A white label with the bars and digits; `module` px per bar module. */
function drawBarcodeLabel(g: SKRSContext2D, code: string, x: number, y: number, module: number): { w: number; h: number } {
  const bits = ean13Modules(code);
  const quiet = 11 * module;
  const w = bits.length * module + 2 * quiet;
  const barH = Math.round(module * 38);
  const h = barH + module * 14;
  g.fillStyle = '#fbfbf7';
  g.fillRect(x, y, w, h);
  g.fillStyle = '#111';
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') g.fillRect(x + quiet + i * module, y + module * 4, module, barH);
  g.font = `${Math.round(module * 8)}px ${SANS}`;
  g.fillText(`${code[0]} ${code.slice(1, 7)} ${code.slice(7)}`, x + quiet - module * 6, y + barH + module * 12);
  return { w, h };
}

// ---- the catalogue ----------------------------------------------------------
type Shape = 'box' | 'can' | 'bottle' | 'pouch' | 'photo' | 'mug' | 'phone';
type Design = {
  id: string;
  name: string;
  shape: Shape;
  /** Base, accent, text colours. */
  colours: [string, string, string];
  brand: string;
  flavour: string;
  pattern: 'stripes' | 'diagonal' | 'emblem' | 'checker' | 'waves' | 'none';
  emblem: 'circle' | 'star' | 'triangle' | 'leaf' | 'none';
  /** Width/height of the front, relative units. */
  aspect: number;
  barcode: string;
  photo?: string;
  enrolled: boolean;
};

function ean(prefix: string): string {
  const first12 = prefix.padEnd(12, '0').slice(0, 12);
  return first12 + String(ean13CheckDigit(first12));
}

const DESIGNS: Design[] = [
  {
    id: 'p-oats',
    name: 'Sunny Oats 500 g',
    shape: 'box',
    colours: ['#e9b61e', '#8a3b12', '#3a1a05'],
    brand: 'SUNNY',
    flavour: 'OATS',
    pattern: 'emblem',
    emblem: 'circle',
    aspect: 0.72,
    barcode: ean('880100000011'),
    enrolled: true,
  },
  {
    id: 'p-choco',
    name: 'Choco Flakes 375 g',
    shape: 'box',
    colours: ['#5a2e1a', '#f0d9b5', '#fff4e0'],
    brand: 'CHOCO',
    flavour: 'FLAKES',
    pattern: 'waves',
    emblem: 'star',
    aspect: 0.7,
    barcode: ean('880100000028'),
    enrolled: true,
  },
  {
    id: 'p-cola',
    name: 'Fizz Cola 355 ml',
    shape: 'can',
    colours: ['#c8102e', '#ffffff', '#ffffff'],
    brand: 'FIZZ',
    flavour: 'COLA',
    pattern: 'diagonal',
    emblem: 'none',
    aspect: 0.55,
    barcode: ean('880100000035'),
    enrolled: true,
  },
  // Near-twin of Fizz Cola: same can and brand, different flavour colours.
  {
    id: 'p-lime',
    name: 'Fizz Lime 355 ml',
    shape: 'can',
    colours: ['#2e9d3a', '#ffffff', '#ffffff'],
    brand: 'FIZZ',
    flavour: 'LIME',
    pattern: 'diagonal',
    emblem: 'none',
    aspect: 0.55,
    barcode: ean('880100000042'),
    enrolled: true,
  },
  {
    id: 'p-water',
    name: 'Clear Spring Water 1 l',
    shape: 'bottle',
    colours: ['#8fd3f4', '#1565c0', '#0d2c54'],
    brand: 'CLEAR',
    flavour: 'SPRING',
    pattern: 'waves',
    emblem: 'leaf',
    aspect: 0.36,
    barcode: ean('880100000059'),
    enrolled: true,
  },
  {
    id: 'p-juice',
    name: 'Orchard Apple Juice 1 l',
    shape: 'bottle',
    colours: ['#f7e27a', '#c62828', '#2e7d32'],
    brand: 'ORCHARD',
    flavour: 'APPLE',
    pattern: 'emblem',
    emblem: 'circle',
    aspect: 0.38,
    barcode: ean('880100000066'),
    enrolled: true,
  },
  {
    id: 'p-chips',
    name: 'Crunchy Chips Salted 150 g',
    shape: 'pouch',
    colours: ['#1e40af', '#facc15', '#ffffff'],
    brand: 'CRUNCHY',
    flavour: 'SALTED',
    pattern: 'stripes',
    emblem: 'star',
    aspect: 0.78,
    barcode: ean('880100000073'),
    enrolled: true,
  },
  // Near-twin of the salted chips: same bag, paprika colours.
  {
    id: 'p-paprika',
    name: 'Crunchy Chips Paprika 150 g',
    shape: 'pouch',
    colours: ['#b91c1c', '#facc15', '#ffffff'],
    brand: 'CRUNCHY',
    flavour: 'PAPRIKA',
    pattern: 'stripes',
    emblem: 'star',
    aspect: 0.78,
    barcode: ean('880100000080'),
    enrolled: true,
  },
  {
    id: 'p-tea',
    name: 'Green Leaf Tea 20 bags',
    shape: 'box',
    colours: ['#14532d', '#bbf7d0', '#f0fdf4'],
    brand: 'GREEN',
    flavour: 'LEAF TEA',
    pattern: 'checker',
    emblem: 'leaf',
    aspect: 1.3,
    barcode: ean('880100000097'),
    enrolled: true,
  },
  {
    id: 'p-soap',
    name: 'Pure Soap Lavender',
    shape: 'box',
    colours: ['#c4b5fd', '#5b21b6', '#2e1065'],
    brand: 'PURE',
    flavour: 'LAVENDER',
    pattern: 'none',
    emblem: 'triangle',
    aspect: 1.5,
    barcode: ean('880100000103'),
    enrolled: true,
  },
  {
    id: 'p-milk',
    name: 'Daily Milk 1 l',
    shape: 'box',
    colours: ['#f8fafc', '#2563eb', '#1e3a8a'],
    brand: 'DAILY',
    flavour: 'MILK',
    pattern: 'waves',
    emblem: 'circle',
    aspect: 0.5,
    barcode: ean('880100000110'),
    enrolled: true,
  },
  {
    id: 'p-coffee',
    name: 'House Coffee (cup)',
    shape: 'photo',
    colours: ['#000', '#000', '#000'],
    brand: '',
    flavour: '',
    pattern: 'none',
    emblem: 'none',
    aspect: 1.5,
    barcode: '',
    photo: 'coffee.jpg',
    enrolled: true,
  },
  // Unknown objects: never enrolled.
  {
    id: 'u-cookies',
    name: 'unknown: cookie box',
    shape: 'box',
    colours: ['#f97316', '#fef3c7', '#431407'],
    brand: 'BAKERY',
    flavour: 'COOKIES',
    pattern: 'checker',
    emblem: 'circle',
    aspect: 1.2,
    barcode: ean('880199000018'),
    enrolled: false,
  },
  {
    id: 'u-energy',
    name: 'unknown: energy drink',
    shape: 'can',
    colours: ['#111827', '#a3e635', '#a3e635'],
    brand: 'VOLT',
    flavour: 'ENERGY',
    pattern: 'diagonal',
    emblem: 'triangle',
    aspect: 0.5,
    barcode: ean('880199000025'),
    enrolled: false,
  },
  {
    id: 'u-sauce',
    name: 'unknown: sauce bottle',
    shape: 'bottle',
    colours: ['#7f1d1d', '#fde68a', '#fde68a'],
    brand: 'HOT',
    flavour: 'SAUCE',
    pattern: 'stripes',
    emblem: 'star',
    aspect: 0.4,
    barcode: '',
    enrolled: false,
  },
  { id: 'u-mug', name: 'unknown: mug', shape: 'mug', colours: ['#0ea5e9', '#f8fafc', '#0c4a6e'], brand: '', flavour: '', pattern: 'none', emblem: 'none', aspect: 1.1, barcode: '', enrolled: false },
  {
    id: 'u-phone',
    name: 'unknown: phone',
    shape: 'phone',
    colours: ['#1f2937', '#60a5fa', '#e5e7eb'],
    brand: '',
    flavour: '',
    pattern: 'none',
    emblem: 'none',
    aspect: 0.5,
    barcode: '',
    enrolled: false,
  },
  {
    id: 'u-cat',
    name: 'unknown: cat (photograph)',
    shape: 'photo',
    colours: ['#000', '#000', '#000'],
    brand: '',
    flavour: '',
    pattern: 'none',
    emblem: 'none',
    aspect: 1.5,
    barcode: '',
    photo: 'chelsea.jpg',
    enrolled: false,
  },
  {
    id: 'u-rocket',
    name: 'unknown: rocket (photograph)',
    shape: 'photo',
    colours: ['#000', '#000', '#000'],
    brand: '',
    flavour: '',
    pattern: 'none',
    emblem: 'none',
    aspect: 1.5,
    barcode: '',
    photo: 'rocket.jpg',
    enrolled: false,
  },
  // Unknown near-twins of enrolled products (same brand, layout and print, other flavour and
  // colour), never enrolled: a matcher that trusts shared print alone would sell them as the
  // enrolled twin. Last in the list, so the frames before them are the same as without them.
  {
    id: 'u-cherry',
    name: 'unknown: Fizz Cherry 355 ml (twin of Fizz Cola, not enrolled)',
    shape: 'can',
    colours: ['#6d1b3b', '#ffffff', '#ffffff'],
    brand: 'FIZZ',
    flavour: 'CHERRY',
    pattern: 'diagonal',
    emblem: 'none',
    aspect: 0.55,
    barcode: ean('880199000032'),
    enrolled: false,
  },
  {
    id: 'u-onion',
    name: 'unknown: Crunchy Chips Onion 150 g (twin of the salted chips, not enrolled)',
    shape: 'pouch',
    colours: ['#15803d', '#facc15', '#ffffff'],
    brand: 'CRUNCHY',
    flavour: 'ONION',
    pattern: 'stripes',
    emblem: 'star',
    aspect: 0.78,
    barcode: ean('880199000049'),
    enrolled: false,
  },
];

// ---- drawing a product ----------------------------------------------------
function emblem(g: SKRSContext2D, kind: Design['emblem'], cx: number, cy: number, r: number, colour: string): void {
  g.fillStyle = colour;
  g.beginPath();
  if (kind === 'circle') g.arc(cx, cy, r, 0, Math.PI * 2);
  else if (kind === 'star') {
    for (let i = 0; i < 10; i++) {
      const a = -Math.PI / 2 + (i * Math.PI) / 5;
      const rr = i % 2 === 0 ? r : r * 0.45;
      g.lineTo(cx + rr * Math.cos(a), cy + rr * Math.sin(a));
    }
  } else if (kind === 'triangle') {
    g.moveTo(cx, cy - r);
    g.lineTo(cx + r * 0.9, cy + r * 0.7);
    g.lineTo(cx - r * 0.9, cy + r * 0.7);
  } else if (kind === 'leaf') {
    g.ellipse(cx, cy, r * 0.55, r, Math.PI / 5, 0, Math.PI * 2);
  }
  g.closePath();
  g.fill();
}

function pattern(g: SKRSContext2D, d: Design, w: number, h: number): void {
  const [, accent] = d.colours;
  g.save();
  g.fillStyle = accent;
  g.strokeStyle = accent;
  if (d.pattern === 'stripes') for (let y = h * 0.62; y < h * 0.9; y += h * 0.09) g.fillRect(0, y, w, h * 0.04);
  else if (d.pattern === 'diagonal') {
    g.beginPath();
    g.moveTo(0, h * 0.55);
    g.lineTo(w, h * 0.35);
    g.lineTo(w, h * 0.5);
    g.lineTo(0, h * 0.7);
    g.closePath();
    g.fill();
  } else if (d.pattern === 'checker') {
    const s = w / 8;
    for (let i = 0; i < 8; i++) for (let j = 0; j < 2; j++) if ((i + j) % 2 === 0) g.fillRect(i * s, h * 0.78 + j * s, s, s);
  } else if (d.pattern === 'waves') {
    g.lineWidth = Math.max(2, h * 0.025);
    for (let k = 0; k < 3; k++) {
      g.beginPath();
      for (let x = 0; x <= w; x += 4) g.lineTo(x, h * (0.68 + k * 0.07) + Math.sin((x / w) * Math.PI * 3) * h * 0.02);
      g.stroke();
    }
  } else if (d.pattern === 'emblem') {
    g.fillRect(0, h * 0.82, w, h * 0.1);
  }
  g.restore();
}

function frontText(g: SKRSContext2D, d: Design, w: number, h: number): void {
  const [, accent, text] = d.colours;
  g.textAlign = 'center';
  g.fillStyle = text;
  g.font = `bold ${Math.round(Math.min(w / (d.brand.length * 0.62), h * 0.16))}px ${SANS}`;
  g.fillText(d.brand, w / 2, h * 0.2);
  g.fillStyle = d.pattern === 'diagonal' ? text : accent;
  g.font = `${Math.round(Math.min(w / (d.flavour.length * 0.6), h * 0.11))}px ${SANS}`;
  g.fillText(d.flavour, w / 2, h * 0.33);
  g.textAlign = 'start';
}

/** Draws the object centred at (0,0) with height `h`; returns its width. `back` shows the barcode side. */
function drawObject(g: SKRSContext2D, d: Design, h: number, back: boolean, photos: Map<string, Image>): number {
  const w = h * d.aspect;
  const [base, accent, text] = d.colours;
  g.save();
  g.translate(-w / 2, -h / 2);
  if (d.shape === 'photo') {
    const img = photos.get(d.photo!)!;
    g.drawImage(img, 0, 0, w, h);
    g.restore();
    return w;
  }
  if (d.shape === 'mug') {
    g.fillStyle = base;
    g.fillRect(0, h * 0.1, w * 0.8, h * 0.9);
    g.lineWidth = h * 0.08;
    g.strokeStyle = base;
    g.beginPath();
    g.ellipse(w * 0.82, h * 0.5, w * 0.16, h * 0.2, 0, -Math.PI / 2, Math.PI / 2);
    g.stroke();
    g.fillStyle = accent;
    g.beginPath();
    g.ellipse(w * 0.4, h * 0.1, w * 0.4, h * 0.06, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = text;
    g.beginPath();
    g.arc(w * 0.4, h * 0.55, h * 0.15, 0, Math.PI * 2);
    g.fill();
    g.restore();
    return w;
  }
  if (d.shape === 'phone') {
    g.fillStyle = base;
    g.beginPath();
    g.roundRect(0, 0, w, h, w * 0.12);
    g.fill();
    const grd = g.createLinearGradient(0, 0, w, h);
    grd.addColorStop(0, accent);
    grd.addColorStop(1, '#312e81');
    g.fillStyle = grd;
    g.fillRect(w * 0.06, h * 0.06, w * 0.88, h * 0.86);
    g.fillStyle = text;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 5; j++) g.fillRect(w * (0.12 + i * 0.2), h * (0.12 + j * 0.14), w * 0.12, w * 0.12);
    g.restore();
    return w;
  }
  // Body outline per shape.
  g.beginPath();
  if (d.shape === 'box') g.rect(0, 0, w, h);
  else if (d.shape === 'can') g.roundRect(0, 0, w, h, w * 0.08);
  else if (d.shape === 'bottle') {
    g.moveTo(w * 0.35, 0);
    g.lineTo(w * 0.65, 0);
    g.lineTo(w * 0.65, h * 0.12);
    g.quadraticCurveTo(w, h * 0.2, w, h * 0.32);
    g.lineTo(w, h);
    g.lineTo(0, h);
    g.lineTo(0, h * 0.32);
    g.quadraticCurveTo(0, h * 0.2, w * 0.35, h * 0.12);
    g.closePath();
  } else if (d.shape === 'pouch') {
    const teeth = 12;
    g.moveTo(0, h * 0.04);
    for (let i = 0; i <= teeth; i++) g.lineTo((w * i) / teeth, i % 2 === 0 ? h * 0.04 : 0);
    g.lineTo(w, h);
    g.lineTo(0, h);
    g.closePath();
  }
  g.save();
  g.clip();
  g.fillStyle = base;
  g.fillRect(0, 0, w, h);
  if (back) {
    // The back: a plain panel with the barcode label in the middle.
    g.fillStyle = accent;
    g.fillRect(0, h * 0.05, w, h * 0.04);
    g.fillStyle = text;
    g.font = `${Math.round(h * 0.04)}px ${SANS}`;
    for (let i = 0; i < 4; i++) g.fillText('Ingredients & nutrition', w * 0.08, h * (0.16 + i * 0.05));
  } else {
    if (d.shape === 'bottle') {
      g.fillStyle = '#e2e8f0';
      g.fillRect(w * 0.35, 0, w * 0.3, h * 0.06); // cap
    }
    pattern(g, d, w, h);
    emblem(g, d.emblem, w / 2, h * 0.5, Math.min(w, h) * 0.16, accent);
    frontText(g, d, w, h);
  }
  // Cylinder shading for cans and bottles.
  if (d.shape === 'can' || d.shape === 'bottle') {
    const shade = g.createLinearGradient(0, 0, w, 0);
    shade.addColorStop(0, 'rgba(0,0,0,0.35)');
    shade.addColorStop(0.3, 'rgba(255,255,255,0.18)');
    shade.addColorStop(0.7, 'rgba(0,0,0,0.05)');
    shade.addColorStop(1, 'rgba(0,0,0,0.4)');
    g.fillStyle = shade;
    g.fillRect(0, 0, w, h);
  }
  g.restore();
  g.restore();
  return w;
}

// ---- scenes ---------------------------------------------------------------
type Background = 'tray' | 'belt' | 'counter' | 'clutter';

function drawBackground(g: SKRSContext2D, kind: Background): void {
  if (kind === 'tray') {
    g.fillStyle = `rgb(${Math.round(between(150, 185))},${Math.round(between(110, 135))},${Math.round(between(70, 90))})`;
    g.fillRect(0, 0, W, H);
    g.strokeStyle = 'rgba(60,30,10,0.18)';
    for (let y = 0; y < H; y += between(6, 14)) {
      g.lineWidth = between(1, 3);
      g.beginPath();
      for (let x = 0; x <= W; x += 20) g.lineTo(x, y + Math.sin(x / between(40, 90)) * 3);
      g.stroke();
    }
  } else if (kind === 'belt') {
    const v = Math.round(between(40, 70));
    g.fillStyle = `rgb(${v},${v},${v + 4})`;
    g.fillRect(0, 0, W, H);
    g.fillStyle = 'rgba(255,255,255,0.05)';
    for (let x = 0; x < W; x += 24) g.fillRect(x, 0, 3, H);
  } else if (kind === 'counter') {
    const grd = g.createLinearGradient(0, 0, W, H);
    grd.addColorStop(0, `hsl(${between(0, 360)},10%,${between(70, 85)}%)`);
    grd.addColorStop(1, `hsl(${between(0, 360)},8%,${between(55, 70)}%)`);
    g.fillStyle = grd;
    g.fillRect(0, 0, W, H);
  } else {
    g.fillStyle = `hsl(${between(0, 360)},12%,${between(45, 70)}%)`;
    g.fillRect(0, 0, W, H);
    for (let i = 0; i < 28; i++) {
      g.fillStyle = `hsla(${between(0, 360)},${between(10, 45)}%,${between(25, 85)}%,0.8)`;
      const x = between(-40, W);
      const y = between(-40, H);
      if (rand() < 0.5) g.fillRect(x, y, between(20, 120), between(10, 80));
      else {
        g.beginPath();
        g.arc(x, y, between(8, 40), 0, Math.PI * 2);
        g.fill();
      }
    }
    g.fillStyle = 'rgba(20,20,20,0.6)';
    g.font = `18px ${SANS}`;
    g.fillText('RECEIPT  12.50', between(0, W - 150), between(20, H));
  }
}

function drawOccluder(g: SKRSContext2D, cx: number, cy: number, objW: number, objH: number): string {
  const side = pick([-1, 1]);
  const x = cx + side * objW * between(0.35, 0.55);
  const y = cy + between(-0.3, 0.3) * objH;
  if (rand() < 0.65) {
    // A hand: palm and fingers in a skin tone.
    g.fillStyle = pick(['#e0ac69', '#c68642', '#8d5524', '#f1c27d', '#ffdbac']);
    g.beginPath();
    g.ellipse(x, y, objW * 0.22, objH * 0.16, between(-0.5, 0.5), 0, Math.PI * 2);
    g.fill();
    for (let i = 0; i < 4; i++) {
      g.beginPath();
      g.ellipse(x - side * objW * 0.2, y - objH * 0.1 + i * objH * 0.065, objW * 0.13, objH * 0.026, 0, 0, Math.PI * 2);
      g.fill();
    }
    return 'hand';
  }
  g.fillStyle = `hsl(${between(0, 360)},${between(20, 60)}%,${between(30, 70)}%)`;
  g.fillRect(x - objW * 0.2, y - objH * 0.2, objW * 0.4, objH * 0.4);
  return 'object';
}

type Conditions = {
  background: Background;
  rotationDeg: number;
  scale: number;
  brightness: number;
  blurPx: number;
  noise: number;
  occlusion: string;
  back: boolean;
  /** The object's axis-aligned box in the frame (before occlusion). */
  box: { x: number; y: number; w: number; h: number };
};

function postProcess(g: SKRSContext2D, brightness: number, noise: number): void {
  const img = g.getImageData(0, 0, W, H);
  const cast = [between(0.9, 1.1), between(0.93, 1.07), between(0.88, 1.12)];
  const cx = W / 2 + between(-120, 120);
  const cy = H / 2 + between(-90, 90);
  const vignette = between(0, 0.35);
  const d = img.data;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const r2 = ((x - cx) ** 2 + (y - cy) ** 2) / (W * W * 0.35);
      const light = brightness * (1 - vignette * Math.min(1, r2));
      const i = (y * W + x) * 4;
      const n = noise > 0 ? gauss() * noise : 0;
      for (let c = 0; c < 3; c++) d[i + c] = Math.max(0, Math.min(255, d[i + c]! * light * cast[c]! + n));
    }
  }
  g.putImageData(img, 0, 0);
}

function renderFrame(d: Design, split: 'enrol' | 'test', back: boolean, photos: Map<string, Image>): { jpeg: Buffer; conditions: Conditions } {
  const canvas = createCanvas(W, H);
  const g = canvas.getContext('2d');
  const background: Background = split === 'enrol' ? pick(['tray', 'counter', 'belt'] as const) : pick(['tray', 'belt', 'counter', 'clutter'] as const);
  drawBackground(g, background);
  const maxRot = back ? 20 : split === 'enrol' ? 15 : 35;
  const rotationDeg = Math.round(between(-maxRot, maxRot));
  const scale = back ? between(0.78, 0.92) : split === 'enrol' ? between(0.55, 0.75) : between(0.42, 0.8);
  let h = H * scale;
  if (d.aspect > 1) h = Math.min(h, (W * 0.7) / d.aspect);
  const cx = W / 2 + between(-0.18, 0.18) * W;
  const cy = H / 2 + between(-0.1, 0.1) * H;
  const blurPx = split === 'test' && rand() < 0.3 ? Math.round(between(1, 2.5) * 10) / 10 : 0;
  g.save();
  g.translate(cx, cy);
  g.rotate((rotationDeg * Math.PI) / 180);
  // A soft shadow under the object.
  g.shadowColor = 'rgba(0,0,0,0.35)';
  g.shadowBlur = 18;
  g.shadowOffsetX = 6;
  g.shadowOffsetY = 8;
  if (blurPx > 0) g.filter = `blur(${blurPx}px)`;
  const w = drawObject(g, d, h, back, photos);
  g.restore();
  if (back && d.barcode) {
    // The label is drawn on the object in its own (rotated) frame.
    g.save();
    g.translate(cx, cy);
    g.rotate((rotationDeg * Math.PI) / 180);
    const module = Math.max(1.6, Math.min(3, (w * 0.9) / 113));
    const labelW = 113 * module;
    drawBarcodeLabel(g, d.barcode, -labelW / 2, h * 0.02, module);
    g.restore();
  }
  let occlusion = 'none';
  if (split === 'test' && !back && rand() < 0.35) occlusion = drawOccluder(g, cx, cy, w, h);
  const brightness = split === 'enrol' ? between(0.85, 1.1) : between(0.6, 1.25);
  const noise = Math.round(between(0, split === 'enrol' ? 3 : 6) * 10) / 10;
  postProcess(g, brightness, noise);
  const conditions: Conditions = {
    background,
    rotationDeg,
    scale: Math.round(scale * 100) / 100,
    brightness: Math.round(brightness * 100) / 100,
    blurPx,
    noise,
    occlusion,
    back,
    box: rotatedBox(cx, cy, w, h, rotationDeg),
  };
  return { jpeg: canvas.toBuffer('image/jpeg', 78), conditions };
}

function rotatedBox(cx: number, cy: number, w: number, h: number, deg: number): Conditions['box'] {
  const a = (deg * Math.PI) / 180;
  const hw = (Math.abs(Math.cos(a)) * w + Math.abs(Math.sin(a)) * h) / 2;
  const hh = (Math.abs(Math.sin(a)) * w + Math.abs(Math.cos(a)) * h) / 2;
  const x0 = Math.max(0, cx - hw);
  const y0 = Math.max(0, cy - hh);
  const x1 = Math.min(W, cx + hw);
  const y1 = Math.min(H, cy + hh);
  return { x: Math.round(x0), y: Math.round(y0), w: Math.round(x1 - x0), h: Math.round(y1 - y0) };
}

// ---- main -----------------------------------------------------------------
export type EvalFrame = {
  file: string;
  split: 'enrol' | 'test';
  /** The object shown: a product id (`p-...`) or an unknown object (`u-...`). */
  object: string;
  /** The enrolled product the pipeline must answer, or null when the right answer is "unknown". */
  expected: string | null;
  /** True when the EAN-13 side faces the camera. */
  barcodeVisible: boolean;
  conditions: Conditions;
};

async function main(): Promise<void> {
  rand = mulberry32(SEED);
  const photos = new Map<string, Image>();
  for (const name of ['coffee.jpg', 'chelsea.jpg', 'rocket.jpg']) photos.set(name, await loadImage(join(HERE, 'sources', name)));
  rmSync(FRAMES, { recursive: true, force: true });
  mkdirSync(FRAMES, { recursive: true });
  const frames: EvalFrame[] = [];
  let bytes = 0;
  const add = (d: Design, split: 'enrol' | 'test', back: boolean, index: number) => {
    const { jpeg, conditions } = renderFrame(d, split, back, photos);
    const file = `frames/${d.id}-${split}${back ? '-back' : ''}-${index}.jpg`;
    writeFileSync(join(OUT, file), jpeg);
    bytes += jpeg.length;
    frames.push({ file, split, object: d.id, expected: d.enrolled ? d.id : null, barcodeVisible: back && d.barcode !== '', conditions });
  };
  for (const d of DESIGNS) {
    if (d.enrolled) for (let i = 0; i < 5; i++) add(d, 'enrol', false, i);
    const views = d.enrolled ? 6 : 5;
    for (let i = 0; i < views; i++) add(d, 'test', false, i);
    if (d.barcode) add(d, 'test', true, 0);
  }
  const manifest = {
    description: 'EdgePay recognition evaluation set (generated by generate.ts; see README.md, Product recognition).',
    seed: SEED,
    width: W,
    height: H,
    products: DESIGNS.map((d) => ({ id: d.id, name: d.name, shape: d.shape, barcode: d.barcode, enrolled: d.enrolled, ...(d.photo ? { photo: `sources/${d.photo}` } : {}) })),
    frames,
  };
  writeFileSync(join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  console.error(`${frames.length} frames, ${(bytes / 1e6).toFixed(2)} MB in ${readdirSync(FRAMES).length} files`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main();

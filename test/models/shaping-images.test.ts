import jpeg from 'jpeg-js';
import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import {
  BT601, centreCrop, decodeImageBrowser, decodeImageBytes, loadImage, lumaFromRGBA, powerOfTwoSide, type GreyImage,
} from '../../src/models/shaping/images.js';
import { runtime } from '../helpers/device.js';

/** A smooth RGB test picture (JPEG compresses it with small error). */
function testPicture(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(4 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      rgba[i] = Math.round(255 * x / (width - 1));
      rgba[i + 1] = Math.round(255 * y / (height - 1));
      rgba[i + 2] = Math.round(127.5 + 127.5 * Math.sin((x + y) / 9));
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}

/** Encode RGBA as a JPEG: jpeg-js in Node (quality 100), the canvas encoder in the browser (jpeg-js needs Buffer). */
async function encodeJpeg(rgba: Uint8Array, width: number, height: number): Promise<Uint8Array<ArrayBuffer>> {
  if (runtime === 'node') return new Uint8Array(jpeg.encode({ width, height, data: rgba }, 100).data);
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 1 })).arrayBuffer());
}

describe('shaping images', () => {
  it('BT.601 luma of 8-bit RGBA, in [0, 1]', () => {
    const grey = lumaFromRGBA([255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 9, 255, 255, 255, 255], 4, 1);
    expect(Array.from(grey)).toEqual([BT601[0], BT601[1], BT601[2], 1].map(Math.fround));
    expect(() => lumaFromRGBA([1, 2, 3], 1, 1)).toThrow(/expected 4/);
  });

  it('centre crop: the largest power-of-two square ≤ 512, offsets rounded down', () => {
    expect(powerOfTwoSide(1024, 788)).toBe(512);
    expect(powerOfTwoSide(1024, 484)).toBe(256);
    expect(powerOfTwoSide(7, 13)).toBe(4);
    expect(powerOfTwoSide(1, 1)).toBe(1);
    const img: GreyImage = { name: 't', width: 13, height: 7, data: Float32Array.from({ length: 91 }, (_, i) => i) };
    const crop = centreCrop(img);
    // side 4; top ⌊(7 − 4)/2⌋ = 1, left ⌊(13 − 4)/2⌋ = 4.
    expect(crop.width).toBe(4);
    expect(Array.from(crop.data.subarray(0, 4))).toEqual([17, 18, 19, 20]);
    expect(crop.data[15]).toBe(4 * 13 + 7);
  });

  it('decodes a JPEG with jpeg-js and a .npy (grey and RGB) through npyjs', async () => {
    const [w, h] = [24, 16];
    const rgba = testPicture(w, h);
    const bytes = await encodeJpeg(rgba, w, h);
    const grey = decodeImageBytes(bytes, 'test.jpg');
    const exact = lumaFromRGBA(rgba, w, h);
    expect([grey.width, grey.height]).toEqual([w, h]);
    // Quality 100 leaves JPEG's chroma subsampling and DCT rounding: a few grey levels at most.
    for (let i = 0; i < w * h; i++) expect(Math.abs(grey.data[i]! - exact[i]!)).toBeLessThan(6 / 255);
    const npyGrey = dump(Float64Array.from(exact), [h, w]);
    expect(Array.from(decodeImageBytes(new Uint8Array(npyGrey), 'g.npy').data)).toEqual(Array.from(exact));
    const rgb = Float32Array.from({ length: 3 * w * h }, (_, i) => rgba[4 * Math.floor(i / 3) + (i % 3)]! / 255);
    const fromRgb = decodeImageBytes(new Uint8Array(dump(rgb, [h, w, 3])), 'c.npy').data;
    for (let i = 0; i < w * h; i++) expect(Math.abs(fromRgb[i]! - exact[i]!)).toBeLessThan(1e-6);
    expect(() => decodeImageBytes(new Uint8Array(dump(Float32Array.of(1, 2), [2])), 'v.npy')).toThrow(/expected \(H, W\)/);
    expect(() => decodeImageBytes(Uint8Array.of(1, 2, 3), 'x.png')).toThrow(/only JPEG/);
  });

  it.runIf(runtime === 'chromium')('in the browser, createImageBitmap decodes the same JPEG to within a few grey levels', async () => {
    const [w, h] = [24, 16];
    const bytes = await encodeJpeg(testPicture(w, h), w, h);
    const viaJs = decodeImageBytes(bytes, 'test.jpg');
    const viaBrowser = await decodeImageBrowser(new Blob([bytes], { type: 'image/jpeg' }), 'test.jpg');
    expect([viaBrowser.width, viaBrowser.height]).toEqual([w, h]);
    for (let i = 0; i < w * h; i++) expect(Math.abs(viaBrowser.data[i]! - viaJs.data[i]!)).toBeLessThan(4 / 255);
  });

  it('loads a bundled photograph (512² crop, grey levels in [0, 1])', async () => {
    const img = await loadImage('nagasaki-boats');
    expect([img.width, img.height]).toEqual([512, 512]);
    let mean = 0;
    for (const v of img.data) {
      expect(v >= 0 && v <= 1).toBe(true);
      mean += v;
    }
    // jpeg-js gives 0.5492; a browser's decoder may round differently by a fraction of a level.
    expect(Math.abs(mean / img.data.length - 0.5492)).toBeLessThan(0.003);
  });
});

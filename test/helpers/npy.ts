/** .npy files built byte by byte for the CLI tests, including ones NumPy would never write. */

/**
 * A .npy file as NumPy's format 1.0 writes it (header padded with spaces and a newline to a
 * multiple of 64 bytes), or with `headerText` in place of the header dictionary (malformed headers).
 */
export function npyBytes(descr: string, fortran: boolean, shape: number[], data: ArrayBufferView, headerText?: string): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = headerText ?? `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, ...'NUMPY'.split('').map((c) => c.charCodeAt(0)), 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

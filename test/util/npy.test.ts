import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/util/npy.ts';
import { UserError } from '../../src/util/errors.ts';

describe('npy', () => {
  it('writes a version 1.0 header padded to 64 bytes that numpy parses', () => {
    const buf = encodeNpy(new Float32Array(6), [1, 2, 3]);
    const headerLen = buf.readUInt16LE(8);
    expect(buf.subarray(0, 8).equals(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]))).toBe(true);
    expect((10 + headerLen) % 64).toBe(0);
    const header = buf.toString('latin1', 10, 10 + headerLen);
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1, 2, 3\), \} *\n$/);
    expect(buf.length).toBe(10 + headerLen + 24);
  });

  it('writes 1-D shapes with a trailing comma, as Python tuples need', () => {
    const buf = encodeNpy(new Int32Array([1, 2]), [2]);
    expect(buf.toString('latin1', 10, 10 + buf.readUInt16LE(8))).toContain("'shape': (2,)");
  });

  it('round-trips every supported dtype', () => {
    const cases = [
      { data: Float32Array.from([1.5, -2, Math.PI]), dtype: '<f4' },
      { data: Float64Array.from([1e-300, -0.5, 7]), dtype: '<f8' },
      { data: Int32Array.from([-1, 2 ** 31 - 1, 0]), dtype: '<i4' },
      { data: Uint8Array.from([0, 128, 255]), dtype: '|u1' },
      { data: BigInt64Array.from([-(2n ** 63n), 5n, 2n ** 62n]), dtype: '<i8' },
    ] as const;
    for (const { data, dtype } of cases) {
      const back = decodeNpy(encodeNpy(data, [3, 1]), 'x.npy');
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([3, 1]);
      expect(back.data.constructor).toBe(data.constructor);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
    }
  });

  it('handles a view into a larger buffer and an unaligned data start', () => {
    const big = Float32Array.from([9, 1, 2, 3, 9]);
    const buf = encodeNpy(big.subarray(1, 4), [3]);
    const unaligned = Buffer.concat([Buffer.from([0]), buf]).subarray(1);
    expect(Array.from(decodeNpy(unaligned, 'x.npy').data as Float32Array)).toEqual([1, 2, 3]);
  });

  it('encodes scalars and empty arrays', () => {
    expect(decodeNpy(encodeNpy(Float32Array.of(4), []), 'x.npy').shape).toEqual([]);
    expect(decodeNpy(encodeNpy(new Float32Array(0), [0, 5]), 'x.npy').shape).toEqual([0, 5]);
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(RangeError);
  });

  it('refuses unsupported files with the file name in the message', () => {
    const good = encodeNpy(Float32Array.of(1, 2), [2]);
    const bigEndian = Buffer.from(good.toString('latin1').replace("'<f4'", "'>f4'"), 'latin1');
    const fortran = Buffer.from(good.toString('latin1').replace('False', 'True '), 'latin1');
    for (const bad of [Buffer.from('hello world'), bigEndian, fortran, good.subarray(0, good.length - 1)]) {
      expect(() => decodeNpy(bad, 'feat.npy')).toThrow(UserError);
      expect(() => decodeNpy(bad, 'feat.npy')).toThrow(/feat\.npy/);
    }
  });
});

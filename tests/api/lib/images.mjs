// Pictures for the photo tests, made here byte by byte: PNGs of any size and
// colour (zlib from Node), a PNG deflate bomb, a progressive JPEG that is all
// header, an EXIF block with an orientation and a GPS position to put into a
// JPEG, and the size a JPEG's header declares.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(buf) {
	let c = 0xffffffff;
	for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	out.write(type, 4, 'latin1');
	data.copy(out, 8);
	out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
	return out;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An IHDR chunk: w×h, 8 bits, colour type (6 RGBA, 2 RGB). */
function ihdr(w, h, colourType) {
	const d = Buffer.alloc(13);
	d.writeUInt32BE(w, 0);
	d.writeUInt32BE(h, 4);
	d.set([8, colourType, 0, 0, 0], 8);
	return chunk('IHDR', d);
}

/** An RGBA PNG of w×h whose pixel (x, y) is pixel(x, y) → [r, g, b, a]. */
export function makePng(w, h, pixel) {
	const raw = Buffer.alloc(h * (1 + 4 * w));
	for (let y = 0; y < h; y++) {
		const row = y * (1 + 4 * w);
		raw[row] = 0; // no filter
		for (let x = 0; x < w; x++) {
			const [r, g, b, a] = pixel(x, y);
			raw.set([r, g, b, a], row + 1 + 4 * x);
		}
	}
	return Buffer.concat([PNG_SIGNATURE, ihdr(w, h, 6), chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}

/** An RGB PNG of w×h in one colour, made quickly at any size. */
export function solidPng(w, h, [r, g, b]) {
	const row = Buffer.alloc(1 + 3 * w);
	for (let x = 0; x < w; x++) row.set([r, g, b], 1 + 3 * x);
	const raw = Buffer.alloc(h * row.length);
	for (let y = 0; y < h; y++) row.copy(raw, y * row.length);
	return Buffer.concat([PNG_SIGNATURE, ihdr(w, h, 2), chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Just a PNG header that claims w×h (no pixels). */
export function pngHeaderOnly(w, h) {
	return Buffer.concat([PNG_SIGNATURE, ihdr(w, h, 2), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A PNG deflate bomb: a w×h 8-bit grey picture of zeros, which deflate
 * squeezes about a thousandfold (7000×7000 is 49 MB of rows in 48 KB).
 */
export function pngBomb(w, h) {
	const rows = Buffer.alloc(h * (w + 1)); // a filter byte a row, all zero
	return Buffer.concat([PNG_SIGNATURE, ihdr(w, h, 0), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A progressive JPEG that is nearly all header: a frame of w×h in three
 * full-resolution components, a DC Huffman table with one code, and the
 * first scan cut short after n bytes (606 bytes in all by default).
 */
export function progressiveJpegHeader(w, h, n = 480) {
	const dqt = Buffer.concat([Buffer.from([0xff, 0xdb, 0, 67, 0]), Buffer.alloc(64, 1)]);
	const sof2 = Buffer.from([0xff, 0xc2, 0, 17, 8, h >> 8, h & 255, w >> 8, w & 255, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
	const dht = Buffer.from([0xff, 0xc4, 0, 20, 0, 1, ...new Array(15).fill(0), 0]);
	const sos = Buffer.from([0xff, 0xda, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 0, 0]);
	return Buffer.concat([Buffer.from([0xff, 0xd8]), dqt, sof2, dht, sos, Buffer.alloc(n)]);
}

/**
 * An APP1 Exif segment (little-endian TIFF) with IFD0 = { Orientation, a
 * pointer to a GPS IFD } and GPS IFD = { GPSLatitudeRef "N", GPSLatitude
 * 34/1 21/1 18/1 }: what a phone camera writes.
 */
export function exifSegment(orientation) {
	const t = Buffer.alloc(128);
	t.write('II', 0, 'latin1');
	t.writeUInt16LE(42, 2);
	t.writeUInt32LE(8, 4); // IFD0 at 8
	// IFD0: 2 entries
	t.writeUInt16LE(2, 8);
	t.writeUInt16LE(0x0112, 10); // Orientation, SHORT, 1
	t.writeUInt16LE(3, 12);
	t.writeUInt32LE(1, 14);
	t.writeUInt16LE(orientation, 18);
	t.writeUInt16LE(0x8825, 22); // GPS IFD pointer, LONG, 1
	t.writeUInt16LE(4, 24);
	t.writeUInt32LE(1, 26);
	t.writeUInt32LE(38, 30); // GPS IFD at 38
	t.writeUInt32LE(0, 34); // no next IFD
	// GPS IFD at 38: 2 entries
	t.writeUInt16LE(2, 38);
	t.writeUInt16LE(0x0001, 40); // GPSLatitudeRef, ASCII, 2: "N\0"
	t.writeUInt16LE(2, 42);
	t.writeUInt32LE(2, 44);
	t.write('N\0', 48, 'latin1');
	t.writeUInt16LE(0x0002, 52); // GPSLatitude, RATIONAL, 3 at offset 68
	t.writeUInt16LE(5, 54);
	t.writeUInt32LE(3, 56);
	t.writeUInt32LE(68, 60);
	t.writeUInt32LE(0, 64); // no next IFD
	[34, 1, 21, 1, 18, 1].forEach((v, i) => t.writeUInt32LE(v, 68 + 4 * i));
	const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), t.subarray(0, 92)]);
	const head = Buffer.from([0xff, 0xe1, 0, 0]);
	head.writeUInt16BE(body.length + 2, 2);
	return Buffer.concat([head, body]);
}

/** The JPEG with an Exif segment put right after its SOI marker. */
export function withExif(jpeg, orientation) {
	if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
	return Buffer.concat([jpeg.subarray(0, 2), exifSegment(orientation), jpeg.subarray(2)]);
}

/** { width, height } from a JPEG's first SOFn marker, or null. */
export function jpegSize(buf) {
	let i = 2;
	while (i + 9 < buf.length) {
		if (buf[i] !== 0xff) return null;
		const m = buf[i + 1];
		const len = buf.readUInt16BE(i + 2);
		if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc)
			return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
		i += 2 + len;
	}
	return null;
}

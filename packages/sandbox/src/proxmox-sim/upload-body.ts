// How the HTTP layer takes in multipart/form-data bodies: pveproxy streams a file upload into a temporary file
// (/var/tmp/pveupload-<md5 hex>) before the API method runs, and hands the method that file's name as `tmpfilename`.
// Here busboy parses the body while it arrives, and the parts are taken the way pveproxy's file_upload_multipart takes
// them: the part named "filename" that carries a filename attribute is the file, and that attribute becomes the
// `filename` parameter; a file part under any other name, or a part without a name, aborts the upload; other parts
// are plain fields (later ones overwrite, at most 64 KiB of them in all). Without a file the upload fails. The file's
// checksums and size are taken on the way, and its bytes are kept only up to a limit (a cloud-init seed is a few
// hundred KiB; a distribution ISO need not sit in memory). The file is then kept in a registry of temporary uploads
// under a pveproxy-like name for as long as the request lasts (the method's worker task holds on to it).
import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { FastifyInstance } from 'fastify';

/** Upload bytes kept in memory (and so readable by the simulated guest); larger files keep size and checksums only. */
export const KEEP_UPLOAD_BYTES = 64 * 1024 * 1024;

/** pveproxy's limit on the plain fields of an upload, all together. */
const MAX_FIELDS = 64 * 1024;

export const CHECKSUM_ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface UploadedFile {
  /** The filename attribute of the file part, as the client sent it (normalized later by the API). */
  filename: string;
  size: number;
  checksums: Record<ChecksumAlgorithm, string>;
  /** The bytes, when the file was no larger than the keep limit. */
  data?: Buffer;
}

export interface MultipartUpload {
  fields: Record<string, string>;
  file?: UploadedFile;
  /** Why pveproxy would answer "upload failed" (kept for the simulator's request log). */
  error?: string;
}

/** What a multipart/form-data request carries as its body once parsed. */
export interface MultipartBody {
  multipart: true;
  /** Undefined when the Content-Type had no boundary. */
  upload?: MultipartUpload;
}

export function isMultipartBody(body: unknown): body is MultipartBody {
  return typeof body === 'object' && body !== null && (body as { multipart?: unknown }).multipart === true;
}

/** The method pveproxy treats as an upload (PVE/HTTPServer.pm auth_handler). */
export const UPLOAD_PATH = /^\/nodes\/([^/]+)\/storage\/([^/]+)\/upload$/;

/** The uploaded file's bytes as they stream in: every checksum the upload method can verify, the size, the bytes up to the keep limit. */
class FileDigest {
  size = 0;
  private readonly hashes = Object.fromEntries(CHECKSUM_ALGORITHMS.map((a) => [a, createHash(a)])) as Record<ChecksumAlgorithm, Hash>;
  private kept: Buffer[] | undefined = [];

  constructor(private readonly keepLimit: number) {}

  update(chunk: Buffer): void {
    for (const h of Object.values(this.hashes)) h.update(chunk);
    this.size += chunk.length;
    if (this.kept) {
      if (this.size > this.keepLimit) this.kept = undefined;
      else this.kept.push(chunk);
    }
  }

  result(filename: string): UploadedFile {
    const checksums = Object.fromEntries(CHECKSUM_ALGORITHMS.map((a) => [a, this.hashes[a].digest('hex')])) as Record<ChecksumAlgorithm, string>;
    return { filename, size: this.size, checksums, ...(this.kept ? { data: Buffer.concat(this.kept) } : {}) };
  }
}

/**
 * Reads a multipart/form-data body with pveproxy's rules. Undefined when the Content-Type has no boundary (the
 * caller decides what that means); otherwise resolves once the body has been read to its end.
 */
export function readUpload(headers: IncomingHttpHeaders, body: Readable, keepLimit = KEEP_UPLOAD_BYTES): Promise<MultipartUpload> | undefined {
  let parser: busboy.Busboy;
  try {
    // preservePath: the filename attribute as sent (busboy would cut it to its last path element); the API method
    // normalizes it as pve-storage does. Parameters stay latin1, byte for byte, as Perl reads them.
    parser = busboy({ headers, preservePath: true, limits: { fieldSize: MAX_FIELDS + 1 } });
  } catch {
    return undefined;
  }
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let fieldBytes = 0;
    let digest: FileDigest | undefined;
    let filename: string | undefined;
    let error: string | undefined;
    let settled = false;

    const settle = () => {
      if (settled) return;
      settled = true;
      if (!error && (!digest || filename === undefined)) error = 'no file in the upload';
      resolve(error ? { fields, error } : { fields, file: digest!.result(filename!) });
    };
    // pveproxy stops parsing on the first fault and reads the rest of the body without looking at it.
    const abort = (reason: string) => {
      if (error !== undefined || settled) return;
      error = reason;
      body.unpipe(parser);
      parser.destroy();
      body.resume();
      if (body.readableEnded) settle();
      else body.once('end', settle);
    };
    const addField = (name: string, value: Buffer | string, truncated: boolean) => {
      fieldBytes += Buffer.byteLength(value);
      if (truncated || fieldBytes > MAX_FIELDS) return abort('form data too large');
      fields[name] = value.toString();
    };

    parser.on('field', (name: string | undefined, value, info) => {
      if (error !== undefined) return;
      if (!name) return abort('wrong content disposition in multipart');
      addField(name, value, info.valueTruncated);
    });
    parser.on('file', (name: string | undefined, stream, info) => {
      // Ending the parser early ends the part's stream with an error too; the abort has said what went wrong.
      stream.on('error', () => {});
      if (error !== undefined) return void stream.resume();
      if (!name) {
        stream.resume();
        return abort('wrong content disposition in multipart');
      }
      // busboy calls a part of type application/octet-stream a file even without a filename attribute; pveproxy
      // goes by the attribute alone, so such a part is a field.
      if (!info.filename) {
        const parts: Buffer[] = [];
        let bytes = 0;
        stream.on('data', (chunk: Buffer) => {
          if (error !== undefined) return;
          parts.push(chunk);
          bytes += chunk.length;
          if (fieldBytes + bytes > MAX_FIELDS) abort('form data too large');
        });
        stream.on('end', () => {
          if (error === undefined) addField(name, Buffer.concat(parts), false);
        });
        return;
      }
      if (name !== 'filename') {
        stream.resume();
        return abort('wrong field name for file upload');
      }
      filename = info.filename;
      // A second file part goes on into the same file, named by the last filename attribute.
      digest ??= new FileDigest(keepLimit);
      const into = digest;
      stream.on('data', (chunk: Buffer) => {
        if (error === undefined) into.update(chunk);
      });
    });
    parser.on('error', (err: Error) => abort(err.message));
    parser.on('close', () => {
      if (error === undefined) settle();
    });
    body.on('error', (err: Error) => {
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    body.pipe(parser);
  });
}

export function installMultipartParser(app: FastifyInstance): void {
  app.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    const reading = readUpload(request.headers, payload);
    if (reading) {
      reading.then((upload) => done(null, { multipart: true, upload } satisfies MultipartBody), (err: Error) => done(err));
      return;
    }
    payload.resume();
    payload.on('end', () => done(null, { multipart: true } satisfies MultipartBody));
    payload.on('error', (err: Error) => done(err));
  });
}

let sequence = 0;

/** An unpredictable temporary name, as pveproxy's get_upload_filename makes it. */
export function temporaryUploadName(): string {
  sequence++;
  return `/var/tmp/pveupload-${createHash('md5').update(`${sequence}${Date.now()}${process.pid}${Math.random()}`).digest('hex')}`;
}

/** Temporary upload files by name: present from the end of the body until the request has been answered. */
export class UploadRegistry {
  private readonly files = new Map<string, UploadedFile>();

  add(file: UploadedFile): string {
    const name = temporaryUploadName();
    this.files.set(name, file);
    return name;
  }

  get(name: string): UploadedFile | undefined {
    return this.files.get(name);
  }

  remove(name: string): void {
    this.files.delete(name);
  }
}

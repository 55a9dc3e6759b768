/**
 * A step's stdout.log as the run detail reads it: any window of lines, search over the whole
 * file, and the lines appended since the last look. The file can be large (200k lines and more),
 * so it is never split into strings as a whole: an index of line start offsets is built once and
 * extended as the file grows, and reads fetch only the bytes of the lines asked for.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { LogGroup, LogLine } from '../shared/protocol';
import { groupTitle, isGroupEnd } from '../../webview-ui/run/logRows';

const READ_CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/** Line index of one log file. */
export class StepLogIndex {
  /** Byte offset where each complete line starts; `completeBytes` ends the last complete line. */
  private readonly starts: number[] = [];
  private completeBytes = 0;
  /** Bytes after the last newline (a line still being written). */
  private partialBytes = 0;
  private readonly closedGroups: LogGroup[] = [];
  private readonly openGroups: Array<{ start: number; title: string }> = [];
  private readonly decoder = new TextDecoder();

  constructor(readonly path: string) {}

  /** Lines in the file (a last line without a newline counts). */
  get totalLines(): number {
    return this.starts.length + (this.partialBytes > 0 ? 1 : 0);
  }

  /** Lines that end with a newline (a last line still being written is not one). */
  get completeLines(): number {
    return this.starts.length;
  }

  /** Bytes indexed so far. */
  get byteSize(): number {
    return this.completeBytes + this.partialBytes;
  }

  /** `::group::` ranges; a group still open ends at the last line. */
  get groups(): LogGroup[] {
    const last = this.totalLines - 1;
    return [...this.closedGroups, ...this.openGroups.map((g) => ({ start: g.start, end: last, title: g.title }))].sort((a, b) => a.start - b.start);
  }

  /** Reads what was appended since the last call; returns how many lines were added. */
  refresh(): number {
    const before = this.totalLines;
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return 0;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.completeBytes + this.partialBytes) this.reset();
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      let position = this.completeBytes;
      let lineStart = this.completeBytes;
      while (position < size) {
        const read = readSync(fd, buffer, 0, Math.min(READ_CHUNK, size - position), position);
        if (read <= 0) break;
        let from = 0;
        for (;;) {
          const nl = buffer.indexOf(NEWLINE, from);
          if (nl < 0 || nl >= read) break;
          const end = position + nl;
          this.addLine(lineStart, this.lineText(fd, lineStart, end, buffer, position, read));
          lineStart = end + 1;
          from = nl + 1;
        }
        position += read;
      }
      this.completeBytes = lineStart;
      this.partialBytes = size - lineStart;
    } finally {
      closeSync(fd);
    }
    return this.totalLines - before;
  }

  /** Lines [from, from + count) with their 0-based indexes. */
  read(from: number, count: number): LogLine[] {
    const total = this.totalLines;
    const first = Math.max(0, from);
    const last = Math.min(total, first + Math.max(0, count));
    if (first >= last) return [];
    const startByte = this.starts[first] ?? this.completeBytes;
    const endByte = last < this.starts.length ? this.starts[last]! : this.completeBytes + this.partialBytes;
    const text = this.readRange(startByte, endByte);
    const lines = text.split('\n');
    if (lines.length > last - first) lines.length = last - first;
    return lines.map((line, i) => ({ index: first + i, text: line.replace(/\r$/, '') }));
  }

  /** Line indexes containing `query` (case-insensitive), at most `maxMatches` of them, and the total count. */
  search(query: string, maxMatches: number): { matches: number[]; total: number } {
    const needle = query.toLowerCase();
    const matches: number[] = [];
    let total = 0;
    // Read in blocks of whole lines so a long log is never one string.
    const BLOCK_LINES = 20_000;
    for (let first = 0; first < this.totalLines; first += BLOCK_LINES) {
      for (const line of this.read(first, BLOCK_LINES)) {
        if (!line.text.toLowerCase().includes(needle)) continue;
        total++;
        if (matches.length < maxMatches) matches.push(line.index);
      }
    }
    return { matches, total };
  }

  private reset(): void {
    this.starts.length = 0;
    this.completeBytes = 0;
    this.partialBytes = 0;
    this.closedGroups.length = 0;
    this.openGroups.length = 0;
  }

  private addLine(start: number, text: string): void {
    const index = this.starts.length;
    this.starts.push(start);
    // Only lines that could be markers are decoded for the group scan (see lineText).
    if (!text) return;
    const title = groupTitle(text);
    if (title !== null) this.openGroups.push({ start: index, title });
    else if (isGroupEnd(text)) {
      const open = this.openGroups.pop();
      if (open) this.closedGroups.push({ start: open.start, end: index, title: open.title });
    }
  }

  /** The text of a line when it may be a group marker (contains `::`), else ''. */
  private lineText(fd: number, start: number, end: number, buffer: Buffer, bufferPosition: number, bufferLength: number): string {
    const inBuffer = start >= bufferPosition && end <= bufferPosition + bufferLength;
    const bytes = inBuffer ? buffer.subarray(start - bufferPosition, end - bufferPosition) : this.readBytes(fd, start, end);
    if (bytes.indexOf('::') < 0) return '';
    return this.decoder.decode(bytes).replace(/\r$/, '');
  }

  private readBytes(fd: number, start: number, end: number): Buffer {
    const bytes = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < bytes.length) {
      const read = readSync(fd, bytes, done, bytes.length - done, start + done);
      if (read <= 0) break;
      done += read;
    }
    return bytes.subarray(0, done);
  }

  private readRange(start: number, end: number): string {
    if (end <= start) return '';
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return '';
    }
    try {
      const bytes = this.readBytes(fd, start, end);
      const text = this.decoder.decode(bytes);
      return text.endsWith('\n') ? text.slice(0, -1) : text;
    } finally {
      closeSync(fd);
    }
  }
}

/** Indexes of the logs panels have open, by path (one index per file, shared by panels). */
export class StepLogIndexes {
  private readonly byPath = new Map<string, StepLogIndex>();

  constructor(private readonly limit = 32) {}

  get(path: string): StepLogIndex {
    let index = this.byPath.get(path);
    if (index) {
      // Most recently used last, so the oldest is dropped first.
      this.byPath.delete(path);
      this.byPath.set(path, index);
      return index;
    }
    index = new StepLogIndex(path);
    this.byPath.set(path, index);
    if (this.byPath.size > this.limit) this.byPath.delete(this.byPath.keys().next().value as string);
    return index;
  }
}

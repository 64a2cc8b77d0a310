/* wal.h - a write-ahead log of bytes in segment files (wal.c).
 *
 * The receiver of a socket source appends the lines it receives here before
 * they count as received (spark.streaming.receiver.writeAheadLog.enable);
 * batches read them back by byte range. Offsets are logical: byte offsets
 * in the concatenation of every segment ever written, so they stay valid
 * when old segments are deleted. Not part of the public API.
 *
 * Threads: one writer (sr_wal_append, sr_wal_skip_to) may run at the same
 * time as one reader (sr_wal_read, sr_wal_trim); the others may be called
 * from either.
 */
#ifndef STREAMRT_WAL_H
#define STREAMRT_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sr_wal sr_wal;

/* A segment is closed once it holds this much, or is older than the roll
 * interval, at the next append. */
#define SR_WAL_SEGMENT_MAX ((uint64_t)64 * 1024 * 1024)

/* Open the log in `dir` (created with its parents): lock it for this
 * process's use (flock of dir/.lock: a second opener is refused), list its
 * segments (seg-<offset>) and cut what a crash left after the last '\n'
 * of the last one. roll_ms > 0: a segment older than that is closed at the
 * next append. NULL with errstr on failure. */
sr_wal *sr_wal_open(const char *dir, int64_t roll_ms, char *errstr, size_t errlen);
/* Close the files and free; NULL is a no-op. The files stay. */
void sr_wal_close(sr_wal *w);

/* The first offset the log still holds (its end when it holds nothing). */
uint64_t sr_wal_first(sr_wal *w);
/* The end of what was appended: durable once sr_wal_append returned. */
uint64_t sr_wal_end(sr_wal *w);
/* Number of segment files. */
int sr_wal_segments(sr_wal *w);

/* Append p[0..n), then fdatasync. 0, or -1 with errno: nothing of it
 * counts as appended and a retry writes at the same place. */
int sr_wal_append(sr_wal *w, const char *p, size_t n);
/* Go on at `offset` (> end): the bytes in between are missing. */
void sr_wal_skip_to(sr_wal *w, uint64_t offset);
/* Copy into dst (room for to - from bytes), in order, the bytes of
 * [from, to) that the log holds; bytes it does not hold (deleted, missing)
 * are left out. Returns the number copied, or -1 with errno. */
int64_t sr_wal_read(sr_wal *w, uint64_t from, uint64_t to, char *dst);
/* Delete the segments that end at or before `offset`, except the last
 * one. Returns how many were deleted. */
int sr_wal_trim(sr_wal *w, uint64_t offset);

#endif

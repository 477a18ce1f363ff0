package hooks

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"os"
	"strconv"
)

// beforeOpen, when set (by tests), runs between diskBlob's Lstat and its
// open: where a racing process could swap the file.
var beforeOpen func(p string)

// maxDiskBlob is the largest work-tree file indexContents reads from the
// disk to spare git cat-file; a larger one is read from git.
const maxDiskBlob = 4 << 20

// indexContents returns the index's content of each path (ids are its blob
// ids, as git ls-files --stage gives them), in order: the work tree's copy
// where it hashes to the same blob id (the usual case: the file is
// committed as it is on the disk), read inside the repository through an
// os.Root, and from git cat-file for the others, in one call. A file
// that differs on the disk (an unstaged edit, a line-ending or clean
// filter, a link, a folder) hashes to another id and is read from git:
// the bytes judged are the index's either way. That spares a git process
// (7 ms of CPU, and a step after the index listing) when nothing differs.
func indexContents(ctx context.Context, g Git, repo string, paths, ids []string) ([][]byte, error) {
	blobs, _, err := indexContentsOnDisk(ctx, g, repo, paths, ids)
	return blobs, err
}

// indexContentsOnDisk is indexContents, and whether each path's content
// was the work tree's (its disk copy is the index's).
func indexContentsOnDisk(ctx context.Context, g Git, repo string, paths, ids []string) ([][]byte, []bool, error) {
	blobs := make([][]byte, len(paths))
	onDisk := make([]bool, len(paths))
	var rest, restIDs []string
	var restAt []int
	root, err := os.OpenRoot(repo)
	if err == nil {
		defer root.Close()
	}
	for i, p := range paths {
		if root != nil {
			if data, ok := diskBlob(root, p, ids[i]); ok {
				blobs[i], onDisk[i] = data, true
				continue
			}
		}
		rest, restIDs, restAt = append(rest, p), append(restIDs, ids[i]), append(restAt, i)
	}
	read, err := g.Blobs(ctx, restIDs)
	if err != nil {
		return nil, nil, err
	}
	for j, i := range restAt {
		blobs[i] = read[j]
	}
	return blobs, onDisk, nil
}

// diskBlob reads the regular file p in root when its content is the blob
// id (SHA-1, or SHA-256 in a repository of that object format).
func diskBlob(root *os.Root, p, id string) ([]byte, bool) {
	var h hash.Hash
	switch len(id) {
	case 2 * sha1.Size:
		h = sha1.New()
	case 2 * sha256.Size:
		h = sha256.New()
	default:
		return nil, false
	}
	// Lstat first: a link, a FIFO (whose open would wait for a writer), a
	// folder or a large file is left to git.
	info, err := root.Lstat(p)
	if err != nil || !info.Mode().IsRegular() || info.Size() > maxDiskBlob {
		return nil, false
	}
	if beforeOpen != nil {
		beforeOpen(p)
	}
	// The name may name something else by now (a racing process): what is
	// read is what openBlob opened (no link, no wait) and found regular.
	f, err := openBlob(root, p, info)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDiskBlob+1))
	if err != nil || len(data) > maxDiskBlob {
		return nil, false
	}
	h.Write([]byte("blob " + strconv.Itoa(len(data)) + "\x00"))
	h.Write(data)
	if hex.EncodeToString(h.Sum(nil)) != id {
		return nil, false
	}
	return data, true
}

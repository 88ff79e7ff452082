// goverify checks a custody log checkpoint and proofs with nothing but Go's
// standard library and golang.org/x/mod/sumdb/{note,tlog}: an outside
// party's view of the log. It is built from the Debian package sources,
// offline, and must not be changed to accommodate custody.
//
// Usage: goverify -key VERIFIER_KEY -checkpoint FILE [-proof FILE]
//                 [-old-checkpoint FILE] [-log DIR]
//
//   -proof           JSON printed by `custody log prove` (inclusion and/or
//                    consistency, hashes in base64)
//   -old-checkpoint  an earlier signed checkpoint the proof's consistency
//                    part must connect to
//   -log             the log directory (C2SP tlog-tiles): also recompute the
//                    proofs and the root from the hash tiles, and read the
//                    entry from its entry bundle
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

type proofFile struct {
	Origin    string `json:"origin"`
	TreeSize  int64  `json:"tree_size"`
	Root      string `json:"root"`
	Inclusion *struct {
		Index    int64    `json:"index"`
		LeafHash string   `json:"leaf_hash"`
		Entry    string   `json:"entry"`
		Proof    []string `json:"proof"`
	} `json:"inclusion"`
	Consistency *struct {
		Size1 int64    `json:"size1"`
		Size2 int64    `json:"size2"`
		Root1 string   `json:"root1"`
		Root2 string   `json:"root2"`
		Proof []string `json:"proof"`
	} `json:"consistency"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "goverify: "+format+"\n", args...)
	os.Exit(1)
}

func decodeHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("bad hash %q", s)
	}
	copy(h[:], b)
	return h, nil
}

func decodeProof(list []string) ([]tlog.Hash, error) {
	var out []tlog.Hash
	for _, s := range list {
		h, err := decodeHash(s)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// openCheckpoint verifies the signed note and parses the C2SP checkpoint body.
func openCheckpoint(path string, verifier note.Verifier) checkpoint {
	msg, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("%s: %v", path, err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("%s: checkpoint body has %d lines", path, len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("%s: size: %v", path, err)
	}
	root, err := decodeHash(lines[2])
	if err != nil {
		fail("%s: root: %v", path, err)
	}
	if lines[0] != verifier.Name() {
		fail("%s: origin %q is not the key name %q", path, lines[0], verifier.Name())
	}
	return checkpoint{origin: lines[0], size: size, root: root}
}

// tileReader reads hash tiles from a C2SP tlog-tiles directory. Go's
// tlog.Tile paths carry the tile height ("tile/8/L/N"); C2SP fixes the height
// at 8 and drops it ("tile/L/N").
type tileReader struct{ dir string }

func (r tileReader) Height() int { return 8 }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	var out [][]byte
	for _, t := range tiles {
		if t.H != 8 {
			return nil, errors.New("unexpected tile height")
		}
		p := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		data, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, err
		}
		out = append(out, data)
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// readEntry reads entry `index` from its C2SP entry bundle.
func readEntry(dir string, size, index int64) ([]byte, error) {
	t := tlog.TileForIndex(8, tlog.StoredHashIndex(0, index))
	t.W = int(min64(256, size-t.N*256))
	p := strings.Replace(t.Path(), "tile/8/0/", "tile/entries/", 1)
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
	if err != nil {
		return nil, err
	}
	for i := int64(0); i < int64(t.W); i++ {
		if len(data) < 2 {
			return nil, fmt.Errorf("%s: truncated bundle", p)
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, fmt.Errorf("%s: truncated entry", p)
		}
		if t.N*256+i == index {
			return data[2 : 2+n], nil
		}
		data = data[2+n:]
	}
	return nil, fmt.Errorf("%s: entry %d not found", p, index)
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

func main() {
	key := flag.String("key", "", "verifier key")
	cpPath := flag.String("checkpoint", "", "signed checkpoint file")
	proofPath := flag.String("proof", "", "proof JSON from `custody log prove`")
	oldPath := flag.String("old-checkpoint", "", "an earlier signed checkpoint")
	logDir := flag.String("log", "", "log directory (C2SP tlog-tiles)")
	flag.Parse()
	if *key == "" || *cpPath == "" {
		fail("need -key and -checkpoint")
	}
	verifier, err := note.NewVerifier(*key)
	if err != nil {
		fail("verifier key: %v", err)
	}
	cp := openCheckpoint(*cpPath, verifier)
	fmt.Printf("checkpoint: origin %s, size %d, signature OK\n", cp.origin, cp.size)

	var hr tlog.HashReader
	if *logDir != "" {
		tree := tlog.Tree{N: cp.size, Hash: cp.root}
		hr = tlog.TileHashReader(tree, tileReader{*logDir})
		if cp.size > 0 {
			th, err := tlog.TreeHash(cp.size, hr)
			if err != nil {
				fail("tiles: %v", err)
			}
			if th != cp.root {
				fail("tiles: root from tiles differs from the checkpoint")
			}
			fmt.Printf("tiles: root recomputed from the hash tiles matches\n")
		}
	}

	if *proofPath != "" {
		data, err := os.ReadFile(*proofPath)
		if err != nil {
			fail("%v", err)
		}
		var pf proofFile
		if err := json.Unmarshal(data, &pf); err != nil {
			fail("%s: %v", *proofPath, err)
		}
		root, err := decodeHash(pf.Root)
		if err != nil {
			fail("proof root: %v", err)
		}
		if pf.TreeSize == cp.size && root != cp.root {
			fail("proof root differs from the checkpoint root")
		}
		if pf.TreeSize != cp.size {
			fail("proof is for size %d, checkpoint has %d", pf.TreeSize, cp.size)
		}
		if inc := pf.Inclusion; inc != nil {
			leaf := tlog.RecordHash([]byte(inc.Entry))
			given, err := decodeHash(inc.LeafHash)
			if err != nil || given != leaf {
				fail("inclusion: leaf hash does not match the entry")
			}
			proof, err := decodeProof(inc.Proof)
			if err != nil {
				fail("inclusion: %v", err)
			}
			if err := tlog.CheckRecord(tlog.RecordProof(proof), cp.size, cp.root, inc.Index, leaf); err != nil {
				fail("inclusion: entry %d: %v", inc.Index, err)
			}
			fmt.Printf("inclusion: entry %d in tree size %d OK\n", inc.Index, cp.size)
			if hr != nil {
				mine, err := tlog.ProveRecord(cp.size, inc.Index, hr)
				if err != nil {
					fail("inclusion from tiles: %v", err)
				}
				if len(mine) != len(proof) {
					fail("inclusion from tiles differs in length")
				}
				for i := range mine {
					if mine[i] != proof[i] {
						fail("inclusion from tiles differs at %d", i)
					}
				}
				entry, err := readEntry(*logDir, cp.size, inc.Index)
				if err != nil {
					fail("entry bundle: %v", err)
				}
				if !bytes.Equal(entry, []byte(inc.Entry)) {
					fail("entry bundle: entry %d differs from the proof's entry", inc.Index)
				}
				fmt.Printf("tiles: inclusion proof and entry bundle agree\n")
			}
		}
		if c := pf.Consistency; c != nil {
			r1, err1 := decodeHash(c.Root1)
			r2, err2 := decodeHash(c.Root2)
			proof, err3 := decodeProof(c.Proof)
			if err1 != nil || err2 != nil || err3 != nil {
				fail("consistency: bad hashes")
			}
			if c.Size2 != cp.size || r2 != cp.root {
				fail("consistency: new tree is not the checkpoint's")
			}
			if *oldPath != "" {
				old := openCheckpoint(*oldPath, verifier)
				if old.size != c.Size1 || old.root != r1 {
					fail("consistency: old tree is not the old checkpoint's")
				}
			}
			if err := tlog.CheckTree(tlog.TreeProof(proof), c.Size2, r2, c.Size1, r1); err != nil {
				fail("consistency: %d -> %d: %v", c.Size1, c.Size2, err)
			}
			fmt.Printf("consistency: size %d -> %d OK\n", c.Size1, c.Size2)
			if hr != nil {
				mine, err := tlog.ProveTree(c.Size2, c.Size1, hr)
				if err != nil || len(mine) != len(proof) {
					fail("consistency from tiles: %v", err)
				}
				for i := range mine {
					if mine[i] != proof[i] {
						fail("consistency from tiles differs at %d", i)
					}
				}
			}
		}
	}
	fmt.Println("OK")
}

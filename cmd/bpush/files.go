package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// runFile is a file that a run reads or writes, as the command line names
// it and as it resolves: through symlinks, to an absolute path.
type runFile struct {
	flag   string      // "--journal", "--failed-file", …; "" for stdin
	path   string      // as given; "-" is stdin
	real   string      // absolute, symlinks resolved: where it is read or written
	info   os.FileInfo // nil when it does not exist (yet)
	output bool        // the run replaces it when it ends
}

// name is how an error names the file: its flag and path.
func (f *runFile) name() string {
	if f.path == "-" {
		return "stdin (-)"
	}
	return f.flag + " " + f.path
}

// runFiles are the files of one run.
type runFiles []runFile

// checkFiles resolves the files a run names, before anything is read, sent,
// removed or written, and refuses (a usage error):
//   - two flags that name one file — the same path, a symlink to it, or a
//     hard link — or stdin read twice;
//   - an output that is not a regular file, or whose directory cannot be
//     written (outputs are written beside their destination, then renamed
//     over it);
//   - a --journal that exists and is not a bpush journal (it is left
//     byte for byte as it is).
//
// Empty paths are skipped.
func checkFiles(files ...runFile) (runFiles, error) {
	var out runFiles
	for _, f := range files {
		if f.path == "" {
			continue
		}
		if f.path != "-" {
			real, info, err := resolvePath(f.path)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.name(), err)
			}
			f.real, f.info = real, info
		}
		for _, g := range out {
			if same(&f, &g) {
				if f.path == "-" {
					return nil, errors.New("stdin (-) is read twice: give the ids or the message in a file")
				}
				return nil, fmt.Errorf("%s and %s name the same file: each needs a file of its own", g.name(), f.name())
			}
		}
		out = append(out, f)
	}
	for i := range out {
		f := &out[i]
		if f.output {
			if err := checkWritable(f); err != nil {
				return nil, err
			}
		}
		if f.flag == "--journal" && f.info != nil {
			if err := peekJournal(f); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// same reports whether two run files are one: stdin twice, one resolved
// path, or one file under two names (a hard link).
func same(f, g *runFile) bool {
	if f.path == "-" || g.path == "-" {
		return f.path == g.path
	}
	return f.real == g.real || f.info != nil && g.info != nil && os.SameFile(f.info, g.info)
}

// resolvePath returns the absolute path that p stands for, every symlink
// resolved — also a dangling one, which names where a file would be
// created — and the file's FileInfo, nil when there is none.
func resolvePath(p string) (string, os.FileInfo, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", nil, err
	}
	for range 40 {
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			info, err := os.Stat(real)
			return real, info, err
		}
		li, err := os.Lstat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// No file: resolve its directory, which may hold symlinks too.
			dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
			if err != nil {
				return abs, nil, nil // no directory: checkWritable says so
			}
			return filepath.Join(dir, filepath.Base(abs)), nil, nil
		case err != nil:
			return "", nil, err
		case li.Mode()&os.ModeSymlink == 0:
			return "", nil, fmt.Errorf("cannot resolve %s", abs)
		}
		target, err := os.Readlink(abs)
		if err != nil {
			return "", nil, err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(abs), target)
		}
		abs = target
	}
	return "", nil, errors.New("too many levels of symbolic links")
}

// checkWritable makes sure an output can be written where it goes: a
// regular file or none, in a directory where a file can be created (it
// creates and removes one there).
func checkWritable(f *runFile) error {
	if f.info != nil && !f.info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", f.name())
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.real), "."+filepath.Base(f.real)+".*.tmp")
	if err != nil {
		return fmt.Errorf("%s: cannot be written: %w", f.name(), err)
	}
	tmp.Close()
	os.Remove(tmp.Name())
	return nil
}

// peekJournal reads the first line of an existing --journal, read-only,
// and refuses a file that is not a bpush journal.
func peekJournal(f *runFile) error {
	if !f.info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", f.name())
	}
	file, err := os.Open(f.real)
	if err != nil {
		return fmt.Errorf("%s: %w", f.name(), err)
	}
	defer file.Close()
	head, err := io.ReadAll(io.LimitReader(bufio.NewReader(file), maxJournalHeader))
	if err != nil {
		return fmt.Errorf("%s: %w", f.name(), err)
	}
	if _, err := parseJournalHead(f.path, head); err != nil {
		return err
	}
	return nil
}

// outputs returns the outputs among the files.
func (rf runFiles) outputs() []*runFile {
	var out []*runFile
	for i := range rf {
		if rf[i].output {
			out = append(out, &rf[i])
		}
	}
	return out
}

// get returns the file of a flag, or nil.
func (rf runFiles) get(flag string) *runFile {
	for i := range rf {
		if rf[i].flag == flag {
			return &rf[i]
		}
	}
	return nil
}

// removeOutputs removes what an earlier run left in the output files, so
// that it never passes for this run's.
func (rf runFiles) removeOutputs() error {
	for _, f := range rf.outputs() {
		if err := os.Remove(f.real); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w", f.name(), err)
		}
	}
	return nil
}

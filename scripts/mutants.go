//go:build ignore

// Command mutants runs the hand-made mutants of scripts/mutants.txt: each is
// one plausible bug, made by replacing a piece of source text. For each, it
// copies the module to a temporary directory, applies the change, runs the
// packages' tests, and reports whether the suite caught (killed) the mutant.
// A mutant whose text is not found is reported as stale.
//
//	go run scripts/mutants.go [-j 2] [-run regexp] [packages…]   (default . ./pushtest)
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

type mutant struct {
	line          int
	file, old, nu string
	what          string
}

func main() {
	jobs := flag.Int("j", 2, "mutants tested at once")
	only := flag.String("run", "", "only mutants whose description matches")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = []string{".", "./pushtest"}
	}
	muts, err := load("scripts/mutants.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	re := regexp.MustCompile(*only)
	var todo []mutant
	for _, m := range muts {
		if re.MatchString(m.what) || re.MatchString(m.file) {
			todo = append(todo, m)
		}
	}
	results := make([]string, len(todo))
	var wg sync.WaitGroup
	sem := make(chan struct{}, *jobs)
	for i, m := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = try(m, pkgs)
			fmt.Fprintf(os.Stderr, "%-7s %s:%d %s\n", results[i], m.file, m.line, m.what)
		}()
	}
	wg.Wait()
	count := map[string]int{}
	for i, r := range results {
		count[r]++
		if r == "LIVED" || r == "STALE" {
			fmt.Printf("%s  %s  (mutants.txt:%d) %s\n", r, todo[i].file, todo[i].line, todo[i].what)
		}
	}
	killed, lived := count["KILLED"], count["LIVED"]
	fmt.Printf("mutants: %d killed, %d lived, %d stale; efficacy %.1f%%\n", killed, lived, count["STALE"],
		100*float64(killed)/float64(max(1, killed+lived)))
	if lived+count["STALE"] > 0 {
		os.Exit(1)
	}
}

// load reads mutants.txt: blocks of "file: what", "- old", "+ new" lines
// (\n and \t escapes allowed), separated by blank lines; # starts a comment.
func load(path string) ([]mutant, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mutant
	var cur *mutant
	unescape := strings.NewReplacer(`\n`, "\n", `\t`, "\t")
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.TrimSpace(line) == "":
			cur = nil
		case strings.HasPrefix(line, "- ") && cur != nil:
			cur.old = unescape.Replace(line[2:])
		case strings.HasPrefix(line, "+ ") && cur != nil:
			cur.nu = unescape.Replace(line[2:])
		case strings.HasPrefix(line, "+") && cur != nil && len(line) == 1:
			cur.nu = ""
		default:
			file, what, ok := strings.Cut(line, ": ")
			if !ok {
				return nil, fmt.Errorf("%s:%d: want 'file: what'", path, n)
			}
			out = append(out, mutant{line: n, file: file, what: what})
			cur = &out[len(out)-1]
		}
	}
	return out, sc.Err()
}

// try applies m to a copy of the module and runs the tests: KILLED when
// they fail, LIVED when they pass, STALE when the text is not there.
func try(m mutant, pkgs []string) string {
	src, err := os.ReadFile(m.file)
	if err != nil || m.old == "" || !bytes.Contains(src, []byte(m.old)) {
		return "STALE"
	}
	dir, err := os.MkdirTemp("", "mutant")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := copyTree(".", dir); err != nil {
		panic(err)
	}
	mutated := bytes.Replace(src, []byte(m.old), []byte(m.nu), 1)
	if err := os.WriteFile(filepath.Join(dir, m.file), mutated, 0o644); err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-count=1", "-failfast", "-timeout", "4m"}, pkgs...)...)
	cmd.Dir = dir
	if cmd.Run() != nil {
		return "KILLED" // a test failed, or the mutant did not compile
	}
	return "LIVED"
}

func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" && p != "testdata") {
			return filepath.SkipDir
		}
		dst := filepath.Join(to, p)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
}

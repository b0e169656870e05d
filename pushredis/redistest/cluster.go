package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of real redis-server processes, each a master
// with an equal share of the 16 384 hash slots (no replicas), for tests.
type Cluster struct {
	// Nodes are the cluster's servers.
	Nodes []*Server
}

// StartCluster starts a Redis Cluster of n masters (n ≥ 1) on free loopback
// ports, in directories of the test's, and waits until every node sees
// every slot served; it stops when the test ends.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	c, err := NewCluster(tb.TempDir(), n)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(c.Stop)
	return c
}

// NewCluster is StartCluster for a TestMain: the nodes keep their files
// under dir; stop them with Stop.
func NewCluster(dir string, n int) (*Cluster, error) {
	if n < 1 {
		return nil, fmt.Errorf("a cluster of %d nodes", n)
	}
	c := &Cluster{}
	for i := range n {
		d := filepath.Join(dir, "node"+strconv.Itoa(i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			c.Stop()
			return nil, err
		}
		s, err := New(d, func(args *[]string) {
			*args = append(*args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000")
		})
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	if err := c.form(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// form gives each node its share of the slots, introduces the nodes to the
// first, and waits until every node reports the cluster ok.
func (c *Cluster) form() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const slots = 16384
	n := len(c.Nodes)
	for i, s := range c.Nodes {
		cl := redis.NewClient(&redis.Options{Addr: s.Addr()})
		lo, hi := i*slots/n, (i+1)*slots/n-1
		err := cl.ClusterAddSlotsRange(ctx, lo, hi).Err()
		if err == nil && i > 0 {
			err = cl.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(c.Nodes[0].port)).Err()
		}
		cl.Close()
		if err != nil {
			return fmt.Errorf("forming the cluster (node %s): %w", s.Addr(), err)
		}
	}
	for _, s := range c.Nodes {
		cl := redis.NewClient(&redis.Options{Addr: s.Addr()})
		err := waitClusterOK(ctx, cl, n)
		cl.Close()
		if err != nil {
			return fmt.Errorf("node %s: %w", s.Addr(), err)
		}
	}
	return nil
}

// waitClusterOK waits until cl reports the cluster ok with n nodes known.
func waitClusterOK(ctx context.Context, cl *redis.Client, n int) error {
	return waitUntil(ctx, func() error {
		info, err := cl.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)+"\r") {
			return nil
		}
		return fmt.Errorf("the cluster is not ok: %v %q", err, info)
	})
}

// waitUntil calls check every 20 ms until it returns nil, or returns its
// last error when ctx ends.
func waitUntil(ctx context.Context, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// URL is the cluster's URL as pushredis.NewClient and bpush --redis take
// it: the first node, the others as addr parameters, and cluster=1.
func (c *Cluster) URL() string {
	u := "redis://" + c.Nodes[0].Addr() + "?cluster=1"
	for _, s := range c.Nodes[1:] {
		u += "&addr=" + s.Addr()
	}
	return u
}

// Client returns a new cluster client; close it when done.
func (c *Cluster) Client() *redis.ClusterClient {
	addrs := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		addrs[i] = s.Addr()
	}
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
}

// Stop stops every node.
func (c *Cluster) Stop() {
	for _, s := range c.Nodes {
		s.Stop()
	}
}

// StartSentinel starts a Redis Sentinel (redis-server --sentinel) on a
// free loopback port that monitors master under the name masterName, and
// waits until it knows the master; it stops when the test ends.
func StartSentinel(tb testing.TB, master *Server, masterName string) *Server {
	tb.Helper()
	s, err := NewSentinel(tb.TempDir(), master, masterName)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// NewSentinel is StartSentinel for a TestMain.
func NewSentinel(dir string, master *Server, masterName string) (*Server, error) {
	// A sentinel rewrites its configuration file: it must be its own.
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s 5000\n", masterName, master.port, masterName)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	s, err := newServer(dir, conf, func(args *[]string) { *args = append(*args, "--sentinel") })
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
	defer sc.Close()
	err = waitUntil(ctx, func() error {
		addr, err := sc.GetMasterAddrByName(ctx, masterName).Result()
		if err == nil && len(addr) == 2 && addr[1] == strconv.Itoa(master.port) {
			return nil
		}
		return fmt.Errorf("the sentinel does not know master %s: %v", masterName, err)
	})
	if err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RedisClusterURL starts a Redis Cluster of three masters (Debian's
// redis-server, no replicas, nothing kept on disk) on free loopback ports,
// stops it when the test ends, and returns its REDIS_URL
// (redis+cluster://...). Without redis-server and redis-cli the test is
// skipped, or fails when VELRO_TEST_REQUIRE_SERVICES=1.
func RedisClusterURL(t testing.TB) string {
	t.Helper()
	requireCommands(t, "redis-server", "redis-server", "redis-cli")
	dir := t.TempDir()
	ports := freePorts(t, 6) // a client port and a cluster bus port per node
	var nodes []string
	for i := range 3 {
		port, busPort := ports[2*i], ports[2*i+1]
		logFile := filepath.Join(dir, fmt.Sprintf("node-%d.log", i))
		cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
			"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPort),
			"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i)),
			"--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", logFile)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		nodes = append(nodes, "127.0.0.1:"+strconv.Itoa(port))
	}
	logs := func() string {
		var b strings.Builder
		for i := range 3 {
			raw, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("node-%d.log", i)))
			fmt.Fprintf(&b, "--- node %d\n%s", i, raw)
		}
		return b.String()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clients := make([]*goredis.Client, len(nodes))
	for i, addr := range nodes {
		clients[i] = goredis.NewClient(&goredis.Options{Addr: addr})
		defer clients[i].Close()
		waitFor(ctx, t, "node "+addr+" answers", logs, func() bool { return clients[i].Ping(ctx).Err() == nil })
	}
	args := append([]string{"--cluster", "create"}, nodes...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s\n%s", err, out, logs())
	}
	for _, c := range clients {
		waitFor(ctx, t, "cluster_state:ok on every node", logs, func() bool {
			info, err := c.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3")
		})
	}
	return "redis+cluster://" + nodes[0] + "?addr=" + nodes[1] + "&addr=" + nodes[2]
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close() // held until all are chosen, so they differ
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t testing.TB, what string, logs func() string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v\n%s", what, ctx.Err(), logs())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

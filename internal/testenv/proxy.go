package testenv

import (
	"net"
	"sync"
	"testing"
)

// Proxy is a loopback TCP proxy a test controls, to stall a dependency
// without closing anything: Blackhole keeps every connection open (and
// accepts new ones) but drops what flows either way, as a proxy or network
// that stops forwarding; Resume forwards again. Dropped bytes stay dropped,
// so a client mid-reply is left out of step and must reconnect.
type Proxy struct {
	Addr   string // host:port to dial instead of the target
	target string
	ln     net.Listener

	mu    sync.Mutex
	holed bool
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// NewProxy forwards connections made to its Addr to target (host:port)
// until the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Blackhole stops forwarding: connections stay open, bytes are dropped.
func (p *Proxy) Blackhole() { p.setHoled(true) }

// Resume forwards again.
func (p *Proxy) Resume() { p.setHoled(false) }

func (p *Proxy) setHoled(v bool) {
	p.mu.Lock()
	p.holed = v
	p.mu.Unlock()
}

func (p *Proxy) forwarding() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.holed
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		if !p.track(client, server) {
			return
		}
		p.wg.Add(2)
		go p.pipe(server, client)
		go p.pipe(client, server)
	}
}

// track registers a connection pair, unless the proxy is closing.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

// pipe copies from src to dst, dropping what it reads while black-holed.
// Either side ending closes both.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && p.forwarding() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// close stops accepting, closes every connection and waits for the copies.
func (p *Proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// Command latency is a TCP proxy for the benchmarks that delays every
// chunk of bytes by a fixed time in each direction, so a round trip costs
// twice the delay: a database "10 ms away" on the local machine. It
// listens on 127.0.0.1 only and prints the port it chose.
//
//	go run ./bench/latency -to 127.0.0.1:5432 -delay 5ms
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"time"
)

func main() {
	to := flag.String("to", "", "the address to forward to (host:port)")
	delay := flag.Duration("delay", 5*time.Millisecond, "one-way delay; a round trip costs twice this")
	flag.Parse()
	if *to == "" {
		fmt.Fprintln(os.Stderr, "latency: -to host:port is required")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c, *to, *delay)
	}
}

func serve(c net.Conn, to string, delay time.Duration) {
	s, err := net.Dial("tcp", to)
	if err != nil {
		c.Close()
		return
	}
	done := make(chan struct{})
	go func() { pipe(s, c, delay); close(done) }()
	pipe(c, s, delay)
	<-done
	c.Close()
	s.Close()
}

// chunk is bytes read, and when they may be written.
type chunk struct {
	at   time.Time
	data []byte
}

// pipe copies src to dst, each chunk delayed from when it was read (not
// from when the previous one was written: the link has latency, not a
// queue).
func pipe(dst, src net.Conn, delay time.Duration) {
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 64<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{time.Now().Add(delay), buf[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for ch := range q {
		time.Sleep(time.Until(ch.at))
		if _, err := dst.Write(ch.data); err != nil {
			break
		}
	}
	for range q {
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

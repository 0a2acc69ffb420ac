/*
 * A minimal epoll chat server speaking Tincan's wire protocol, used only to validate
 * the load generator (`npm run bench -- --server ref-c`): it is as fast as a
 * single-threaded server gets, so a low figure against it means a slow generator.
 * No limits, no sanitising, no slow-client policy: output queues grow without bound.
 *
 * Build: gcc -O2 -o ref-server reference-server.c
 * Usage: ref-server --port 0 --host 127.0.0.1   (prints "Listening on HOST:PORT")
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 65536
#define READ_BYTES 65536

typedef struct {
  int open;
  char label[48];
  int label_len;
  char partial[4096];
  int partial_len;
  char *out;
  size_t out_len, out_cap;
  int want_out;
} client_t;

static client_t *clients[MAX_FD];
static int fds[MAX_FD];
static int nfds;
static int epfd;

static void set_events(int fd, int out) {
  struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.fd = fd};
  epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void flush_client(int fd) {
  client_t *c = clients[fd];
  size_t done = 0;
  while (done < c->out_len) {
    ssize_t n = write(fd, c->out + done, c->out_len - done);
    if (n > 0) done += (size_t)n;
    else break;
  }
  memmove(c->out, c->out + done, c->out_len - done);
  c->out_len -= done;
  int want = c->out_len > 0;
  if (want != c->want_out) {
    c->want_out = want;
    set_events(fd, want);
  }
}

/* Output is only appended here; flush_dirty() writes each client once per epoll round,
 * so a burst of N lines to C clients costs C writes, not N x C. */
static int dirty[MAX_FD];
static int ndirty;

static void queue_to(int fd, const char *data, size_t len) {
  client_t *c = clients[fd];
  if (c->out_len + len > c->out_cap) {
    c->out_cap = (c->out_len + len) * 2;
    c->out = realloc(c->out, c->out_cap);
  }
  memcpy(c->out + c->out_len, data, len);
  if (c->out_len == 0 && !c->want_out) dirty[ndirty++] = fd;
  c->out_len += len;
}

static void flush_dirty(void) {
  for (int i = 0; i < ndirty; i++)
    if (clients[dirty[i]] != NULL) flush_client(dirty[i]);
  ndirty = 0;
}

static void broadcast(const char *data, size_t len, int except) {
  for (int i = 0; i < nfds; i++)
    if (fds[i] != except) queue_to(fds[i], data, len);
}

static void drop(int fd) {
  client_t *c = clients[fd];
  for (int i = 0; i < nfds; i++)
    if (fds[i] == fd) {
      fds[i] = fds[--nfds];
      break;
    }
  close(fd);
  char notice[80];
  int n = snprintf(notice, sizeof notice, "%.*s(disconnected)\n", c->label_len, c->label);
  free(c->out);
  free(c);
  clients[fd] = NULL;
  broadcast(notice, (size_t)n, -1);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  const char *host = "127.0.0.1";
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--host")) host = argv[i + 1];
  }
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, host, &addr.sin_addr);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 4096)) {
    perror("listen");
    return 1;
  }
  socklen_t alen = sizeof addr;
  getsockname(lfd, (struct sockaddr *)&addr, &alen);
  printf("Listening on %s:%d\n", host, ntohs(addr.sin_port));
  fflush(stdout);

  epfd = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
  static struct epoll_event events[1024];
  static char in[READ_BYTES + 4096];
  /* Worst case every input byte is a newline that gets a label of up to 24 bytes. */
  static char out[(READ_BYTES + 4096) * 26];
  for (;;) {
    int n = epoll_wait(epfd, events, 1024, -1);
    for (int e = 0; e < n; e++) {
      int fd = events[e].data.fd;
      if (fd == lfd) {
        /* A bounded batch per round, so queued notices get flushed during a join storm. */
        for (int accepted = 0; accepted < 64; accepted++) {
          struct sockaddr_in peer;
          socklen_t plen = sizeof peer;
          int cfd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK);
          if (cfd < 0) break;
          if (cfd >= MAX_FD) {
            close(cfd);
            continue;
          }
          /* Without this, Nagle holds back small writes until the reader's delayed ACK. */
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          client_t *c = calloc(1, sizeof *c);
          char ip[INET_ADDRSTRLEN];
          inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
          c->label_len = snprintf(c->label, sizeof c->label, "[%s:%d] ", ip, ntohs(peer.sin_port));
          char notice[80];
          int len = snprintf(notice, sizeof notice, "%s(connected)\n", c->label);
          broadcast(notice, (size_t)len, -1);
          clients[cfd] = c;
          fds[nfds++] = cfd;
          struct epoll_event cev = {.events = EPOLLIN, .data.fd = cfd};
          epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &cev);
        }
        continue;
      }
      client_t *c = clients[fd];
      if (c == NULL) continue;
      if (events[e].events & EPOLLOUT) flush_client(fd);
      if (!(events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      memcpy(in, c->partial, (size_t)c->partial_len);
      ssize_t got = read(fd, in + c->partial_len, READ_BYTES);
      if (got == 0 || (got < 0 && errno != EAGAIN)) {
        drop(fd);
        continue;
      }
      if (got < 0) continue;
      size_t total = (size_t)c->partial_len + (size_t)got, start = 0, olen = 0;
      for (size_t i = 0; i < total; i++) {
        if (in[i] != '\n') continue;
        memcpy(out + olen, c->label, (size_t)c->label_len);
        olen += (size_t)c->label_len;
        memcpy(out + olen, in + start, i + 1 - start);
        olen += i + 1 - start;
        start = i + 1;
      }
      c->partial_len = (int)(total - start) < (int)sizeof c->partial ? (int)(total - start) : 0;
      memcpy(c->partial, in + start, (size_t)c->partial_len);
      if (olen > 0) broadcast(out, olen, -1);
    }
    flush_dirty();
  }
}

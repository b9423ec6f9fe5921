/* fuzz_dns_answer.c -- what the dns layer reads from the resolver
 * (plugin/dns.c): the diagnostic query's raw answer (its rcode) and
 * getaddrinfo's address list, built here from the input as records of
 * one family byte and 16 address bytes; then the classification.
 */
#include "fuzz.h"
#include "internal.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define FZ_MAX_AI 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct addrinfo ai[FZ_MAX_AI];
  struct sockaddr_in6 sa[FZ_MAX_AI];
  struct ap_dns_result dns;
  size_t i, n = 0, pos = 0;
  int rcode = ap_dns_answer_rcode(data, size);
  int j;
  if(rcode != AP_RCODE_SILENT && (rcode < 0 || rcode > 15))
    __builtin_trap();
  (void)ap_dns_rcode_name(rcode);
  memset(ai, 0, sizeof(ai));
  memset(sa, 0, sizeof(sa));
  while(n < FZ_MAX_AI && pos + 17 <= size) {
    int fam = data[pos] % 3;
    ai[n].ai_family = fam == 0 ? AF_INET : fam == 1 ? AF_INET6 : AF_UNIX;
    if(ai[n].ai_family == AF_INET) {
      struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&sa[n];
      s4->sin_family = AF_INET;
      memcpy(&s4->sin_addr, data + pos + 1, 4);
    } else {
      sa[n].sin6_family = AF_INET6;
      memcpy(&sa[n].sin6_addr, data + pos + 1, 16);
    }
    ai[n].ai_addr = (struct sockaddr *)(void *)&sa[n];
    if(n)
      ai[n - 1].ai_next = &ai[n];
    n++;
    pos += 17;
  }
  memset(&dns, 0, sizeof(dns));
  ap_dns_fill_addresses(&dns, n ? ai : NULL);
  if(dns.address_count > AP_ADDR_MAX ||
     dns.a_count + dns.aaaa_count != dns.address_count)
    __builtin_trap();
  for(j = 0; j < dns.address_count; j++)
    fz_check_text(dns.addresses[j], sizeof(dns.addresses[j]));
  for(i = 0; i < 4 && i < size; i++)
    (void)ap_dns_classify((int)(int8_t)data[i], data[i] & 1,
                          (double)data[i] / 10, rcode);
  return 0;
}

/* dns_pin.c -- the addresses the dns layer needs no lookup for: an IP
 * literal host, a --resolve pin (HOST:PORT:ADDR[,ADDR...]) and the
 * address lists they carry, filtered by the address family asked for.
 */
#include "internal.h"
#include "strutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int ap_dns_is_literal(const char *host, int *family)
{
  unsigned char tmp[16];
  if(inet_pton(AF_INET, host, tmp) == 1) {
    *family = 4;
    return 1;
  }
  if(inet_pton(AF_INET6, host, tmp) == 1) {
    *family = 6;
    return 1;
  }
  return 0;
}

const char *ap_dns_pinned(const struct ap_target *t, const char *host,
                          int port)
{
  char prefix[AP_TEXT + 16];
  int i;
  snprintf(prefix, sizeof(prefix), "%s:%d:", host, port);
  for(i = 0; i < t->resolve_count; i++) {
    if(!strncasecmp(t->resolve[i], prefix, strlen(prefix)))
      return t->resolve[i] + strlen(prefix);
  }
  return NULL;
}

/* One address of a list (brackets of [v6] dropped) into A; 0 when it fits. */
static int list_item(const char *s, size_t m, char *a, size_t alen)
{
  if(m >= 2 && s[0] == '[') {
    s++;
    m -= 2;
  }
  if(m >= alen)
    return -1;
  memcpy(a, s, m);
  a[m] = '\0';
  return 0;
}

void ap_dns_from_list(struct ap_dns_result *dns, const char *list,
                      int family)
{
  while(*list && dns->address_count < AP_ADDR_MAX) {
    size_t n = strcspn(list, ",");
    char a[48];
    if(!list_item(list, n, a, sizeof(a)) && !(family == 4 && strchr(a, ':')) &&
       !(family == 6 && !strchr(a, ':'))) {
      ap_strlcpy(dns->addresses[dns->address_count++], a, sizeof(a));
      if(strchr(a, ':'))
        dns->aaaa_count++;
      else
        dns->a_count++;
    }
    list += n;
    if(*list == ',')
      list++;
  }
}

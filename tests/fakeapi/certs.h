/*
 * certs.h - `fakeapi certs DIR`: writes the test PKI (a root CA, an
 * untrusted second CA, an intermediate and one leaf per certificate
 * scenario) as PEM files made with the OpenSSL API.
 */
#ifndef FAKEAPI_CERTS_H
#define FAKEAPI_CERTS_H

/* Creates dir (and parents) if needed and writes all files; 0 or -1. */
int certs_generate(const char *dir);

#endif

// libargon2, the reference implementation (Debian: libargon2-dev): argon2id_verify for imported
// mosquitto and go-auth hashes.
#include <argon2.h>

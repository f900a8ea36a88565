/* Provenance: where and how a result was produced (provenance.c). */
#ifndef PK_PROVENANCE_H
#define PK_PROVENANCE_H
#include <stdio.h>
#include <json-c/json.h>
#include "cli.h"

/* Provenance as a JSON object (host, cpu, cores, compiler, flags, version, git_commit,
 * omp_env, timestamp, mpi, slurm_*); caller owns it. */
json_object *pk_provenance(const pk_cli *cli);
/* The commit parkit was built from ("-dirty": with uncommitted changes outside results/),
 * or "unknown". */
const char *pk_git_commit(void);
/* parkit --version: version, commit, compiler and flags, the hot loops' instruction set,
 * OpenMP, the MPI library (asked without starting MPI) and the libcurl fetch was built with. */
void pk_print_version(FILE *f);

#endif

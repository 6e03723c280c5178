/*
 * replay_main.c: runs a fuzz target's LLVMFuzzerTestOneInput over files without libFuzzer, so
 * ctest replays every seed corpus in an ordinary build.
 *
 *   replay_<name> PATH...   each PATH a file or a directory of files (not recursive)
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        fprintf(stderr, "replay: cannot size %s\n", path);
        return -1;
    }
    /* Exactly n bytes, so AddressSanitizer sees any read past the input. */
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, errors = 0, i;
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        printf("usage: %s PATH...\nRuns the fuzz target on each file (directories: each file "
               "in them) and reports how many ran.\n", argv[0]);
        return argc < 2 ? 2 : 0;
    }
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
            errors++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char path[4096];
            if (d == NULL) {
                errors++;
                continue;
            }
            while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                if (run_file(path) == 0)
                    files++;
                else
                    errors++;
            }
            closedir(d);
        } else if (run_file(argv[i]) == 0) {
            files++;
        } else {
            errors++;
        }
    }
    printf("replayed %d inputs, %d unreadable\n", files, errors);
    /* An empty corpus is a defect: the replay would check nothing. */
    return (errors == 0 && files > 0) ? 0 : 1;
}

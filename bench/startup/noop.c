/* The start-up benchmark's program: does nothing, so its run time is process start-up and exit,
 * including loading (and initialising) libsnapshot when built with snapshot-cc. */
int main(void) { return 0; }

"""A data-parallel example run loses one process mid-epoch: the job must end non-zero within a bound,
with a message naming a rank, and a relaunch with --resume must continue from the last checkpoint.

  kill  rank 1 is killed (SIGKILL) in its second epoch: mpirun ends the job, naming rank 1
  stop  rank 1 is stopped (SIGSTOP), alive but silent, as a hung process is: rank 0's watchdog ends the
        job after --distributed-timeout, naming itself and the collective it waited in

Usage: stopped_rank.py kill|stop MPIRUN PROGRAM OUT_DIR EXPERIMENT
Prints the time from the signal to the job's end; exits 0 when every check passed.
"""
import os
import re
import signal
import shutil
import subprocess
import sys
import time

TIMEOUT = 3  # --distributed-timeout of the stopped run, seconds
BOUND = {"kill": 20, "stop": TIMEOUT + 20}  # seconds from the signal to the job's end
DONE = {"kill": "killed", "stop": "stopped"}


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


def rank_pid(mpirun, rank):
    """The process id of `rank` among mpirun's children (Open MPI gives each its rank in the environment)."""
    for pid in subprocess.run(["pgrep", "-P", str(mpirun.pid)], capture_output=True, text=True).stdout.split():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if f"OMPI_COMM_WORLD_RANK={rank}".encode() in f.read().split(b"\0"):
                    return int(pid)
        except OSError:
            pass
    return None


def main():
    mode, mpirun_path, program, out, experiment = sys.argv[1:6]
    command = [mpirun_path, "-np", "2", "--oversubscribe", "--mca", "btl", "self,vader", program, "--quick",
               "--distributed", "--distributed-timeout", str(TIMEOUT), "--out", out]
    checkpoint = os.path.join(out, experiment + ".checkpoint")
    shutil.rmtree(out, ignore_errors=True)
    log = os.path.join(os.path.dirname(out.rstrip("/")) or ".", os.path.basename(out.rstrip("/")) + ".log")
    with open(log, "w") as output:
        job = subprocess.Popen(command + ["--epochs", "5"], stdout=output, stderr=subprocess.STDOUT,
                               start_new_session=True)
        started = time.monotonic()
        while not os.path.exists(checkpoint):  # epoch 1 is over: rank 0 has saved it
            if job.poll() is not None or time.monotonic() - started > 120:
                fail(f"no checkpoint {checkpoint} after the first epoch (see {log})")
            time.sleep(0.02)
        time.sleep(0.2)  # into epoch 2
        victim = rank_pid(job, 1)
        if victim is None:
            fail("rank 1's process was not found among mpirun's children")
        os.kill(victim, signal.SIGKILL if mode == "kill" else signal.SIGSTOP)
        signalled = time.monotonic()
        try:
            status = job.wait(timeout=BOUND[mode])
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            fail(f"the job still ran {BOUND[mode]} s after rank 1 was {DONE[mode]}")
        finally:
            try:
                os.kill(victim, signal.SIGKILL)  # a stopped process mpirun's SIGTERM cannot reach
            except ProcessLookupError:
                pass
        elapsed = time.monotonic() - signalled
    with open(log) as f:
        text = f.read()
    print(f"rank 1 {DONE[mode]} in epoch 2: the job ended {elapsed:.2f} s later with status {status}")
    if status == 0:
        fail("the job's exit status is 0")
    expected = r"process rank 1 [^\n]*exited on signal 9" if mode == "kill" else \
        r"rank 0 of 2 waited \d+ s in MPI_\w+ for the other processes"
    if not re.search(expected, text):
        fail(f"no message matching {expected!r} in the job's output:\n{text}")
    epochs = re.findall(r"^epoch (\d+)/5 ", text, re.M)
    if not epochs:
        fail(f"the job printed no epoch line before it ended:\n{text}")
    done = int(epochs[-1])

    # The relaunch loads rank 0's last checkpoint and trains the next epoch only.
    resumed = subprocess.run(command + ["--resume", "--epochs", str(done + 1)], capture_output=True, text=True,
                             timeout=120)
    if resumed.returncode != 0:
        fail(f"the relaunch with --resume failed ({resumed.returncode}):\n{resumed.stdout}{resumed.stderr}")
    trained = re.findall(r"^epoch (\d+)/", resumed.stdout, re.M)
    if "resuming from" not in resumed.stdout or trained != [str(done + 1)]:
        fail(f"the relaunch did not continue with epoch {done + 1} alone:\n{resumed.stdout}")
    print(f"the relaunch with --resume loaded the checkpoint of epoch {done} and trained epoch {done + 1}")


if __name__ == "__main__":
    main()

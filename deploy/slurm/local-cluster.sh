# A throwaway single-node Slurm cluster for tests, from Debian's packages (slurm-wlm 22.05, munge).
# Source this file, then:  cluster_up <empty dir>  …  cluster_down  (e2e.sh calls cluster_down from a trap).
# Everything lives under that directory: munge key and socket, slurm.conf, state, spool, logs. No cgroups
# (proctrack/linuxproc, task/none), no accounting daemon; finished jobs are recorded by jobcomp/filetxt.
# Needs root (slurmd starts job steps as the submitting user) and free ports (picked at random).

CLUSTER_DIR=''
CLUSTER_PIDS=()

# Install slurm-wlm and munge with apt when their daemons are missing.
cluster_install() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null && return 0
  echo "local-cluster: installing slurm-wlm and munge (apt)" >&2
  [ "$(id -u)" = 0 ] || { echo "error: slurm-wlm and munge are not installed and this is not root: apt-get install slurm-wlm munge" >&2; return 2; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
}

# A free TCP port on this machine (the kernel picks one; there is a small race until the daemon binds it).
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

cluster_up() {
  CLUSTER_DIR=$1
  local d=$CLUSTER_DIR node cpus mem
  mkdir -p "$d"/{munge,state,spool,log}
  chmod 700 "$d/munge"
  # munged refuses keys and sockets that others could write; a fresh random key per cluster.
  dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$d/munge/munge.key"
  munged --force --key-file="$d/munge/munge.key" --socket="$d/munge/munge.sock" --pid-file="$d/munge/munged.pid" \
    --log-file="$d/log/munged.log" --seed-file="$d/munge/munged.seed"
  CLUSTER_PIDS+=("$(cat "$d/munge/munged.pid")")

  node=$(hostname -s)
  cpus=$(nproc)
  # Leave a quarter of the memory to the rest of the machine.
  mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 3 / 4))
  export SLURM_CONF=$d/slurm.conf
  cat >"$SLURM_CONF" <<EOF
ClusterName=cbtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.sock
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
JobCompType=jobcomp/filetxt
JobCompLoc=$d/log/jobcomp.txt
AccountingStorageType=accounting_storage/none
ReturnToService=2
# Short timers: a test cluster should react in seconds.
SchedulerParameters=sched_interval=2
MinJobAge=600
DefMemPerCPU=1024
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=cb Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  slurmctld -D -i -f "$SLURM_CONF" >>"$d/log/slurmctld.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  slurmd -D -N "$node" -f "$SLURM_CONF" >>"$d/log/slurmd.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  # Up when the node is idle (bounded: 60 s).
  local i
  for i in $(seq 60); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -qx 'idle'; then return 0; fi
    sleep 1
  done
  echo "error: the local Slurm cluster did not come up in 60 s; logs in $d/log" >&2
  tail -n 5 "$d"/log/*.log >&2 || true
  return 1
}

# Stop what cluster_up started, by pid (jobs still running are killed with slurmd's steps).
cluster_down() {
  [ -n "$CLUSTER_DIR" ] || return 0
  scancel --full --quiet --user=root 2>/dev/null || true
  local p
  for p in "${CLUSTER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${CLUSTER_PIDS[@]}"; do
    for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$p" 2>/dev/null || true
  done
  CLUSTER_PIDS=()
  CLUSTER_DIR=''
}

# Wait (bounded) until a job and all its array tasks have left the queue.
wait_gone() {
  local job=$1 limit=$2 t=0
  while squeue -h -j "$job" 2>/dev/null | grep -q .; do
    [ "$t" -ge "$limit" ] && { echo "error: job $job still queued or running after $limit s" >&2; return 1; }
    sleep 2
    t=$((t + 2))
  done
}

# One line per finished job record, oldest first: "<id> <state> <exit code>", the id of an array task as
# <array job id>_<task id> (a requeued task has several records; the last is its latest run).
job_records() {
  awk '{ id = ""; a = ""; t = ""; st = ""; ec = ""
         for (i = 1; i <= NF; i++) { split($i, kv, "="); k = kv[1]; v = substr($i, length(k) + 2)
           if (k == "JobId") id = v; else if (k == "ArrayJobId") a = v; else if (k == "ArrayTaskId") t = v
           else if (k == "JobState") st = v; else if (k == "ExitCode") ec = v }
         if (a != "" && a != "0" && t != "" && t != "4294967294") id = a "_" t
         print id, st, ec }' "$CLUSTER_DIR/log/jobcomp.txt" 2>/dev/null
}

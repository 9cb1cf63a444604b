"""DVC stage: write the synthetic Home Credit files (data/synthetic) and the true PD (data/oracle)."""

from creditrisk.stages import run_generate
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("generate", lambda p, paths: run_generate(p.generate.n_train, p.generate.n_test, p.base.seed, paths,
                                                        p.generate.chunk_size) and None)

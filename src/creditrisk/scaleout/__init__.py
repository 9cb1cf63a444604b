"""Scale-out: re-scoring a whole portfolio on Spark with the training builder and the registered champion."""

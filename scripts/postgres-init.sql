-- docker-compose profile `scale`: one PostgreSQL server, one database per use (run once, on an empty volume)
CREATE DATABASE mlflow;
CREATE DATABASE optuna;
CREATE DATABASE decisions;

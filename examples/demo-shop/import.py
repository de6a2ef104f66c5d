"""Importers of these books for beangulp's CLI and Fava's import page (written by ecomledger init).

python import.py identify inbox/        python import.py extract inbox/ -e main.beancount
"""

from ecomledger.beangulp_config import importers_for, run

CONFIG = importers_for(__file__)

if __name__ == "__main__":
    run(CONFIG)

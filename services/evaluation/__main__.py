from services.evaluation.service import definition
from shared.service import main

main(definition())

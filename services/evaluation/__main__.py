from shared.service import main
from services.evaluation.service import definition

main(definition())

from shared.service import main
from services.supervision.service import definition

main(definition())

from services.supervision.service import definition
from shared.service import main

main(definition())
